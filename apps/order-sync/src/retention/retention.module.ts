import { Module } from '@nestjs/common';
import { RetentionSettingsController, RetentionSettingsService } from './retention-settings.controller';
import { RetentionSweeperService } from './retention-sweeper.service';

/** Retention: the sweeper (LeaderLoop 'retention') and the per-merchant settings endpoints. */
@Module({
  controllers: [RetentionSettingsController],
  providers: [RetentionSweeperService, RetentionSettingsService],
  exports: [RetentionSweeperService],
})
export class RetentionModule {}
