import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ForwardingModule } from '../forwarding/forwarding.module';
import { GatewayEnv } from '../config/env.validation';
import { OperatorCredential } from '../ops/operator-credential';
import { OperatorGuard } from '../ops/operator.guard';
import { ShopsModule } from '../shops/shops.module';
import { AlertChannelsController, OperatorAlertChannelsController } from './alert-channels.controller';
import { AlertChannelsService } from './alert-channels.service';
import { AlertEvaluatorService } from './alert-evaluator.service';
import { AlertMessageLog } from './alert-message-log';
import { AlertSenderService } from './alert-sender.service';
import { AlertSilencesService } from './alert-silences.service';
import { AlertStore } from './alert-store';
import { AlertsController } from './alerts.controller';
import { ALERTS_OPTIONS, DEFAULT_ALERTS_OPTIONS, type AlertsOptions } from './alerts.options';
import { OperatorOrKeyGuard } from './operator-or-key.guard';

/**
 * Alerting (issue 10 item 3): channels (merchant and operator), the evaluator and the sender (each a leader loop
 * on a core.leases lease), GET /alerts and silences.
 */
@Module({})
export class AlertsModule {
  static register(options: Partial<AlertsOptions> = {}): DynamicModule {
    const opts: AlertsOptions = { ...DEFAULT_ALERTS_OPTIONS, ...options, repeatMs: { ...DEFAULT_ALERTS_OPTIONS.repeatMs, ...options.repeatMs } };
    return {
      module: AlertsModule,
      imports: [AuthModule, ForwardingModule, ShopsModule],
      controllers: [AlertChannelsController, OperatorAlertChannelsController, AlertsController],
      providers: [
        { provide: ALERTS_OPTIONS, useValue: opts },
        AlertChannelsService,
        AlertMessageLog,
        AlertStore,
        AlertSilencesService,
        AlertSenderService,
        AlertEvaluatorService,
        OperatorOrKeyGuard,
        OperatorGuard,
        // the operator credential as OpsModule builds it (not imported: it registers every queue)
        { provide: OperatorCredential, inject: [GatewayEnv], useFactory: (env: GatewayEnv) => new OperatorCredential(env.OPERATOR_TOKEN_SHA256) },
      ],
      exports: [AlertStore, AlertEvaluatorService, AlertSenderService],
    };
  }
}
