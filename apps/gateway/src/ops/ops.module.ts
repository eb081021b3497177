import { Module } from '@nestjs/common';
import { ALL_QUEUES } from '@app/contracts';
import { registerQueues } from '@app/queue';
import { AuthModule } from '../auth/auth.module';
import { GatewayEnv } from '../config/env.validation';
import { OperatorCredential } from './operator-credential';
import { OperatorGuard } from './operator.guard';
import { OperatorQueuesController } from './operator-queues.controller';

/**
 * The operator's console: GET /operator/queues and (mounted in main.ts) Bull Board, behind the operator
 * credential. Registers every queue (producer side) so both see them all. Merchants' GET /ops/queues is
 * forwarded to order-sync (ForwardingModule), scoped to their own work.
 */
@Module({
  imports: [registerQueues(ALL_QUEUES), AuthModule],
  controllers: [OperatorQueuesController],
  providers: [{ provide: OperatorCredential, inject: [GatewayEnv], useFactory: (env: GatewayEnv) => new OperatorCredential(env.OPERATOR_TOKEN_SHA256) }, OperatorGuard],
  exports: [registerQueues(ALL_QUEUES), OperatorCredential],
})
export class OpsModule {}
