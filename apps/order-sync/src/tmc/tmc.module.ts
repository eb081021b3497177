import { Module } from '@nestjs/common';
import { TmcConsumerService } from './tmc-consumer.service';

/**
 * The Taobao TMC consumer (InboxWriter from IntakeModule, TmcSource from the app's providers, both through
 * OrderSyncCoreModule). Not a leader loop: every instance consumes, TMC splits a group's messages among them.
 */
@Module({
  providers: [TmcConsumerService],
  exports: [TmcConsumerService],
})
export class TmcModule {}
