import { HttpException, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { OpsException } from '@app/contracts';
import { LeaderLoop } from '@app/persistence';
import { DataSource } from 'typeorm';
import { CATALOG_SYNC_FORWARDER, COUPON_FORWARDER } from '../forwarding/forwarding.module';
import { ORDER_SYNC_FORWARDER } from '../forwarding/order-api.controller';
import type { ServiceForwarder } from '../forwarding/service-forwarder';
import { ShopsService } from '../shops/shops.service';
import { evaluateRules, ruleSource } from './alert-rules';
import type { BreakersSignal, MerchantSignals, QueuesSignal, SlaSignal } from './alert-signals';
import { AlertSenderService } from './alert-sender.service';
import { AlertStore, type TransitionSummary } from './alert-store';
import { ALERTS_OPTIONS, type AlertsOptions } from './alerts.options';

/** merchants evaluated at once (each costs five signed calls to order-sync and catalog-sync) */
const MERCHANT_CONCURRENCY = 4;

/**
 * Alert evaluation in the product (issue 10 item 3): every `evalIntervalMs`, on the holder of the lease
 * `alerts-evaluator` (core.leases), per merchant: read today's signals through the gateway's signed forwarders
 * (order-sync GET /ops/sla, /ops/queues, /ops/breakers, /exceptions; catalog-sync and coupon GET /exceptions) and the
 * shops, turn them into conditions (alert-rules.ts) and apply them (AlertStore: transitions and deliveries in
 * one transaction). The sender drains the deliveries on its own lease, `alerts-sender`, every `sendIntervalMs`.
 */
@Injectable()
export class AlertEvaluatorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AlertEvaluatorService.name);
  private readonly loops: LeaderLoop[] = [];

  constructor(
    private readonly ds: DataSource,
    private readonly store: AlertStore,
    private readonly sender: AlertSenderService,
    private readonly shops: ShopsService,
    @Inject(ORDER_SYNC_FORWARDER) private readonly orderSync: ServiceForwarder,
    @Inject(CATALOG_SYNC_FORWARDER) private readonly catalogSync: ServiceForwarder,
    @Inject(COUPON_FORWARDER) private readonly coupon: ServiceForwarder,
    @Inject(ALERTS_OPTIONS) private readonly opts: AlertsOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.opts.enabled) return;
    this.loops.push(
      new LeaderLoop(this.ds, 'alerts-evaluator', this.opts.evalIntervalMs, () => this.evaluateAll(), this.logger, this.opts.leaseTtlMs, 'core.leases'),
      new LeaderLoop(this.ds, 'alerts-sender', this.opts.sendIntervalMs, () => this.sender.drain(), this.logger, this.opts.leaseTtlMs, 'core.leases'),
    );
    for (const l of this.loops) l.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
  }

  /** one pass over every merchant */
  async evaluateAll(): Promise<Map<string, TransitionSummary>> {
    const merchants: Array<{ id: string }> = await this.ds.query(`SELECT id FROM core.merchants ORDER BY id`);
    const out = new Map<string, TransitionSummary>();
    const queue = [...merchants];
    const worker = async () => {
      for (let m = queue.shift(); m; m = queue.shift()) {
        try {
          out.set(m.id, await this.evaluate(m.id));
        } catch (e) {
          this.logger.error(`alerts of merchant ${m.id}: evaluation failed: ${String(e)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: MERCHANT_CONCURRENCY }, worker));
    return out;
  }

  async evaluate(merchantId: string): Promise<TransitionSummary> {
    const signals = await this.read(merchantId);
    const conditions = evaluateRules(signals, this.opts);
    const down = new Set(signals.unavailable.map((u) => u.service));
    const judged = (rule: string): boolean => {
      const source = ruleSource(rule);
      if (source === 'order-sync' || source === 'catalog-sync' || source === 'coupon') return !down.has(source);
      return source === 'gateway';
    };
    const t = await this.store.apply(merchantId, conditions, judged);
    if (t.fired.length + t.resolved.length + t.escalated.length > 0) {
      this.logger.log(`alerts of merchant ${merchantId}: fired ${t.fired.join(', ') || '-'}; escalated ${t.escalated.join(', ') || '-'}; resolved ${t.resolved.join(', ') || '-'}`);
    }
    return t;
  }

  /** today's signals of one merchant; a service that does not answer is named in `unavailable` */
  async read(merchantId: string): Promise<MerchantSignals> {
    const unavailable: MerchantSignals['unavailable'] = [];
    const call = async <T>(f: ServiceForwarder, path: string, query?: Record<string, string>): Promise<T | null> => {
      try {
        return await f.forward<T>({ method: 'GET', path, query, merchantId, roles: ['ops'] });
      } catch (e) {
        const reason = e instanceof HttpException ? `${e.getStatus()} on ${path}` : String(e);
        const service = f.service as 'order-sync' | 'catalog-sync' | 'coupon';
        if (!unavailable.some((u) => u.service === service)) unavailable.push({ service, reason });
        return null;
      }
    };
    const now = Date.now();
    const from = new Date(now - this.opts.slaWindowMs).toISOString();
    const [sla, queues, breakers, orderEx, catalogEx, couponEx, shops] = await Promise.all([
      call<SlaSignal>(this.orderSync, '/ops/sla', { from, to: new Date(now).toISOString() }),
      call<QueuesSignal>(this.orderSync, '/ops/queues'),
      call<BreakersSignal>(this.orderSync, '/ops/breakers'),
      call<{ exceptions: OpsException[] }>(this.orderSync, '/exceptions'),
      call<{ exceptions: OpsException[] }>(this.catalogSync, '/exceptions'),
      call<{ exceptions: OpsException[] }>(this.coupon, '/exceptions'),
      this.shops.list(merchantId),
    ]);
    // one failed read of a service counts for all its signals: its alerts stay as they were
    const orderDown = unavailable.some((u) => u.service === 'order-sync');
    return {
      merchantId,
      at: now,
      sla: orderDown ? null : sla,
      queues: orderDown ? null : queues,
      breakers: orderDown ? null : breakers,
      orderExceptions: orderDown ? null : (orderEx?.exceptions ?? null),
      catalogExceptions: catalogEx?.exceptions ?? null,
      couponExceptions: couponEx?.exceptions ?? null,
      shops,
      unavailable,
    };
  }
}
