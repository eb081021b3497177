import { Module } from '@nestjs/common';
import { deployedQueues, registerQueues } from '@app/queue';
import { AuthModule } from '../auth/auth.module';
import { OperatorGuard } from './operator.guard';
import { OperatorMerchantsController } from './operator-merchants.controller';
import { OperatorQueuesController } from './operator-queues.controller';

/**
 * The operator's console: GET /operator/queues and (mounted in main.ts) Bull Board, behind the operator
 * credential. Registers every queue (producer side) so both see them all. Merchants' GET /ops/queues is
 * forwarded to order-sync (ForwardingModule), scoped to their own work.
 */
@Module({
  imports: [registerQueues(deployedQueues()), AuthModule],
  controllers: [OperatorQueuesController, OperatorMerchantsController],
  // OperatorCredential comes from AuthModule (the API-key guard accepts it on the ops page's routes)
  providers: [OperatorGuard],
  exports: [registerQueues(deployedQueues()), AuthModule],
})
export class OpsModule {}
