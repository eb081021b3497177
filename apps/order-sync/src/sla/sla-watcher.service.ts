import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { LeaderLoop } from '../shared/leader-lock';
import { OrderSyncMetrics } from './order-sync.metrics';
import { SlaAlertNotifier, type SlaAlert } from './sla-alert.notifier';

export type SlaCause = 'erp_down' | 'platform_throttled' | 'breaker_open' | 'backlog';

interface LateRow {
  id: string;
  platform: string;
  platform_order_id: string;
  age_ms: number;
  outbox_error: string | null;
  outbox_attempts: number | null;
  inbox_error: string | null;
}

/**
 * Why an order is late, from what Postgres shows: the ERP failing on its outbox row (any error, breaker
 * included) is erp_down; a platform rate limit or open platform breaker seen while fetching it is
 * platform_throttled / breaker_open; otherwise the order simply waited in line (backlog).
 */
export function slaCause(r: Pick<LateRow, 'outbox_error' | 'outbox_attempts' | 'inbox_error'>): SlaCause {
  if (r.outbox_error !== null) return 'erp_down';
  if (r.inbox_error?.startsWith('rate_limited:')) return 'platform_throttled';
  if (r.inbox_error?.startsWith('circuit_open:')) return 'breaker_open';
  return 'backlog';
}

/**
 * The 30-second promise: every few seconds (one active instance, via a Postgres lease) finds paid orders the
 * ERP has not acknowledged 20 s / 30 s after payment, records each level once per order, counts it and
 * sends an alert.
 */
@Injectable()
export class SlaWatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SlaWatcherService.name);
  private readonly loop: LeaderLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: OrderSyncMetrics,
    private readonly alerts: SlaAlertNotifier,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {
    this.loop = new LeaderLoop(dataSource, 'sla-watcher', opts.slaCheckIntervalMs, () => this.check(), this.logger, opts.leaderLeaseTtlMs);
  }

  onApplicationBootstrap(): void {
    if (this.opts.backgroundLoops) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async tickIfLeader(): Promise<SlaAlert[]> {
    if (!(await this.loop.lock.isLeading())) return [];
    return this.check();
  }

  /** one pass; returns the events recorded by it */
  async check(now: Date = new Date()): Promise<SlaAlert[]> {
    const late: LateRow[] = await this.dataSource.query(
      `SELECT o.id, o.platform, o.platform_order_id,
              (EXTRACT(EPOCH FROM $1::timestamptz - o.sla_started_at) * 1000)::int AS age_ms,
              ob.last_error AS outbox_error, ob.attempts AS outbox_attempts,
              (SELECT i.last_error FROM order_sync.inbox i
                WHERE i.platform = o.platform AND i.platform_order_id = o.platform_order_id AND i.last_error IS NOT NULL
                  AND (i.shop_id = o.shop_id
                       OR (i.shop_id IS NULL AND i.platform_shop_id = (SELECT sh.platform_shop_id FROM core.shops sh WHERE sh.id = o.shop_id)))
                ORDER BY i.id DESC LIMIT 1) AS inbox_error
         FROM order_sync.orders o
         JOIN LATERAL (
           SELECT b.last_error, b.attempts FROM order_sync.outbox b
            WHERE b.order_id = o.id AND b.kind = 'push' ORDER BY b.id DESC LIMIT 1
         ) ob ON true
        WHERE o.erp_acked_at IS NULL
          AND o.sla_started_at <= $1::timestamptz - make_interval(secs => $2 / 1000.0)
          AND o.sla_started_at > $1::timestamptz - interval '1 day'
          AND NOT EXISTS (SELECT 1 FROM order_sync.sla_events e WHERE e.order_id = o.id AND e.level = 'breach')
        ORDER BY o.sla_started_at
        LIMIT 1000`,
      [now.toISOString(), this.opts.slaWarningMs],
    );
    if (late.length === 0) return [];
    const events = late.map((r) => ({
      row: r,
      level: (r.age_ms >= this.opts.slaBreachMs ? 'breach' : 'warning') as SlaAlert['level'],
      cause: slaCause(r),
    }));
    const inserted: { order_id: string; level: SlaAlert['level']; at: Date }[] = await this.dataSource.query(
      `INSERT INTO order_sync.sla_events (order_id, platform, level, cause, age_ms, at)
       SELECT *, $6::timestamptz FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[])
       ON CONFLICT (order_id, level) DO NOTHING
       RETURNING order_id, level, at`,
      [
        events.map((e) => e.row.id),
        events.map((e) => e.row.platform),
        events.map((e) => e.level),
        events.map((e) => e.cause),
        events.map((e) => e.row.age_ms),
        now.toISOString(),
      ],
    );
    const isNew = new Set(inserted.map((i) => `${i.order_id}/${i.level}`));
    const alerts: SlaAlert[] = events
      .filter((e) => isNew.has(`${e.row.id}/${e.level}`))
      .map((e) => ({
        orderId: e.row.id,
        platform: e.row.platform,
        platformOrderId: e.row.platform_order_id,
        level: e.level,
        cause: e.cause,
        ageMs: e.row.age_ms,
        at: now.toISOString(),
      }));
    for (const a of alerts) this.metrics.slaEvents.inc({ platform: a.platform, level: a.level, cause: a.cause });
    if (alerts.length > 0) {
      this.logger.warn(`SLA: ${alerts.filter((a) => a.level === 'breach').length} breaches, ${alerts.filter((a) => a.level === 'warning').length} warnings`);
      this.alerts.notify(alerts);
    }
    return alerts;
  }
}
