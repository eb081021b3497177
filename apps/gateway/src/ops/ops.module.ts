import { Module } from '@nestjs/common';
import { ALL_QUEUES } from '@app/contracts';
import { registerQueues } from '@app/queue';
import { OpsQueuesController } from './ops-queues.controller';

/** GET /ops/queues; registers every queue (producer side) so Bull Board and ops can see them all. */
@Module({
  imports: [registerQueues(ALL_QUEUES)],
  controllers: [OpsQueuesController],
  exports: [registerQueues(ALL_QUEUES)],
})
export class OpsModule {}
