import { BaseEnv, IntEnv, ToBoolean } from '@app/config';
import { IsBoolean } from 'class-validator';

/** order-sync: order ingest, ERP push, SLA watch, polling, shipments. Defaults documented in .env.example. */
export class OrderSyncEnv extends BaseEnv {
  override PORT = 3001;

  @IntEnv(1) ORDER_EVENTS_CONCURRENCY: number = 16;
  @IntEnv(1) ERP_PUSH_CONCURRENCY: number = 8;
  @IntEnv(1) ERP_INTERCEPT_CONCURRENCY: number = 4;
  @IntEnv(1) SHIPMENTS_CONCURRENCY: number = 4;
  @IntEnv(1) ORDER_POLL_CONCURRENCY: number = 2;

  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  ORDER_POLL_ENABLED: boolean = true;

  @IntEnv(1000) ORDER_POLL_INTERVAL_MS: number = 60_000;
  @IntEnv(1) SLA_WARN_MS: number = 20_000;
  @IntEnv(1) SLA_BREACH_MS: number = 30_000;
}
