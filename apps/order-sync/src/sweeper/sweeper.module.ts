import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { IngestModule } from '../ingest/ingest.module';
import { SweeperService } from './sweeper.service';

/** Re-enqueues stale inbox and outbox rows (LeaderLoop 'sweeper'). */
@Module({
  imports: [IngestModule, DeliveryModule],
  providers: [SweeperService],
  exports: [SweeperService],
})
export class SweeperModule {}
