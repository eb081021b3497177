import type { OpsException } from '@app/contracts';
import { shopExceptions } from '../exceptions/shop-exceptions';
import type { AlertLevel } from './alert-levels';
import type { MerchantSignals, SignalSource } from './alert-signals';

/** thresholds of the rules (AlertsOptions; short in tests) */
export interface AlertRuleSettings {
  /** the SLA window the breach count and rate are over */
  slaWindowMs: number;
  /** breaches / acked orders over the window at or above this: sla_breach_rate */
  slaBreachRate: number;
  /** fewest acked orders in the window before the rate is judged */
  slaBreachRateMinOrders: number;
  /** oldest pending inbox / outbox / shipment row older than this: warning (5x: critical) */
  queueAgeWarnMs: number;
  /** an ERP breaker open (not closed since) longer than this: critical */
  breakerOpenMs: number;
  /** a shop's quota too small for its order rate for this long: platform_throttled */
  throttledForMs: number;
  /** order-sync / catalog-sync not answering for this long: signal_unavailable */
  unavailableForMs: number;
}

/** one condition that holds now: it becomes (or keeps) the alert `<merchant>:<rule>:<subject>` */
export interface AlertCondition {
  rule: AlertRuleName;
  subject: string;
  level: AlertLevel;
  summary: { zh: string; en: string };
  details: Record<string, unknown>;
  /** the condition must hold this long before it fires (0: at once) */
  forMs: number;
}

export interface AlertRuleSpec {
  name: string;
  source: SignalSource;
  /** what it reads; null: a named slot for a rule whose signal does not exist yet */
  signal: string | null;
  levels: AlertLevel[];
}

/** every rule, with the signal it reads (GET /alerts rules and the ARCHITECTURE section list the same) */
export const ALERT_RULES = [
  { name: 'sla_breach', source: 'order-sync', signal: 'GET /ops/sla: breaches per platform over the window', levels: ['critical'] },
  { name: 'sla_warning', source: 'order-sync', signal: 'GET /ops/sla: warnings (no breach) per platform over the window', levels: ['warning'] },
  { name: 'sla_breach_rate', source: 'order-sync', signal: 'GET /ops/sla: breaches / acked orders over the window', levels: ['critical'] },
  { name: 'queue_oldest_age', source: 'order-sync', signal: 'GET /ops/queues: oldest pending inbox / outbox / shipment row', levels: ['warning', 'critical'] },
  { name: 'erp_breaker_open', source: 'order-sync', signal: 'GET /ops/breakers: ERP lane breaker not closed for longer than N s', levels: ['critical'] },
  { name: 'erp_rejected', source: 'order-sync', signal: 'GET /exceptions (order-sync): erp_rejected', levels: ['critical'] },
  { name: 'platform_throttled', source: 'order-sync', signal: 'GET /ops/queues platformQuota: quotaBound held for N s', levels: ['warning'] },
  { name: 'publish_failed', source: 'catalog-sync', signal: 'GET /exceptions (catalog-sync): publish_failed', levels: ['warning'] },
  { name: 'stock_drift', source: 'catalog-sync', signal: 'GET /exceptions (catalog-sync): stock_drift corrected', levels: ['info'] },
  { name: 'unmapped_sku', source: 'catalog-sync', signal: 'GET /exceptions (catalog-sync): unmapped_sku (orders reserving no stock)', levels: ['warning'] },
  { name: 'shop_needs_reauth', source: 'gateway', signal: 'core.shops: status needs_reauth', levels: ['critical'] },
  { name: 'shop_token_expiring', source: 'gateway', signal: 'core.shops: token expires within a day (expired: critical); the grant (refresh token, Kuaishou 180 days) ends within 14 days (a day: critical)', levels: ['warning', 'critical'] },
  { name: 'signal_unavailable', source: 'gateway', signal: 'order-sync / catalog-sync did not answer the evaluator', levels: ['warning'] },
  { name: 'coupon_budget', source: 'coupon', signal: 'GET /exceptions (coupon): coupon_budget, a campaign at 80 / 100 / 120 % of its budget', levels: ['info', 'warning', 'critical'] },
  { name: 'coupon_sync_failed', source: 'coupon', signal: 'GET /exceptions (coupon): coupon_sync_failed, a coupon a platform refused to create (warning) or stop (critical)', levels: ['warning', 'critical'] },
  { name: 'coupon_usage_mismatch', source: 'coupon', signal: "GET /exceptions (coupon): coupon_usage_mismatch, a platform's usage statistic differing from our redemption count", levels: ['warning'] },
] as const satisfies readonly AlertRuleSpec[];

export type AlertRuleName = (typeof ALERT_RULES)[number]['name'];

const RULE_SOURCE = new Map<string, AlertRuleSpec['source']>(ALERT_RULES.map((r) => [r.name, r.source]));
export function ruleSource(rule: string): AlertRuleSpec['source'] | undefined {
  return RULE_SOURCE.get(rule);
}

const minutes = (ms: number) => `${Math.round(ms / 6000) / 10}`;
const seconds = (ms: number) => `${Math.round(ms / 1000)}`;

/** The conditions that hold for a merchant now, from what the evaluator read. Pure: the state machine is elsewhere. */
export function evaluateRules(s: MerchantSignals, o: AlertRuleSettings): AlertCondition[] {
  const out: AlertCondition[] = [];
  const win = minutes(o.slaWindowMs);

  if (s.sla) {
    let acked = 0;
    let breaches = 0;
    for (const p of s.sla.platforms) {
      acked += p.acked;
      breaches += p.breaches;
      const cause = Object.entries(p.breachCauses).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
      if (p.breaches > 0) {
        out.push({
          rule: 'sla_breach',
          subject: p.platform,
          level: 'critical',
          summary: { zh: `${p.platform} 订单超时 (30 秒 SLA) ${p.breaches} 单 / 近 ${win} 分钟, 主要原因 ${cause}`, en: `${p.platform}: ${p.breaches} orders breached the 30 s SLA in the last ${win} min, mostly ${cause}` },
          details: { platform: p.platform, breaches: p.breaches, causes: p.breachCauses },
          forMs: 0,
        });
      } else if (p.warnings > 0) {
        out.push({
          rule: 'sla_warning',
          subject: p.platform,
          level: 'warning',
          summary: { zh: `${p.platform} 订单接近超时 ${p.warnings} 单 / 近 ${win} 分钟`, en: `${p.platform}: ${p.warnings} orders past the SLA warning mark in the last ${win} min` },
          details: { platform: p.platform, warnings: p.warnings },
          forMs: 0,
        });
      }
    }
    if (acked >= o.slaBreachRateMinOrders && breaches / acked >= o.slaBreachRate) {
      const pct = Math.round((breaches / acked) * 1000) / 10;
      out.push({
        rule: 'sla_breach_rate',
        subject: 'all',
        level: 'critical',
        summary: { zh: `SLA 超时率 ${pct}% (近 ${win} 分钟 ${breaches}/${acked} 单)`, en: `SLA breach rate ${pct}% (${breaches} of ${acked} orders in the last ${win} min)` },
        details: { breaches, acked, rate: breaches / acked },
        forMs: 0,
      });
    }
  }

  if (s.queues) {
    const names = { inbox: ['平台消息', 'platform messages'], outbox: ['ERP 推送', 'ERP deliveries'], shipments: ['发货回传', 'shipment write-backs'] } as const;
    for (const q of ['inbox', 'outbox', 'shipments'] as const) {
      const age = s.queues[q].oldestPendingAgeMs;
      if (age === null || age <= o.queueAgeWarnMs) continue;
      const level: AlertLevel = age > o.queueAgeWarnMs * 5 ? 'critical' : 'warning';
      out.push({
        rule: 'queue_oldest_age',
        subject: q,
        level,
        summary: { zh: `${names[q][0]}积压: 最早一条已等待 ${seconds(age)} 秒 (待处理 ${s.queues[q].pending})`, en: `${names[q][1]} backlog: oldest waiting ${seconds(age)} s (${s.queues[q].pending} pending)` },
        details: { queue: q, oldestPendingAgeMs: age, pending: s.queues[q].pending, failed: s.queues[q].failed },
        forMs: 0,
      });
    }
    for (const shop of s.queues.platformQuota) {
      if (!shop.quotaBound) continue;
      out.push({
        rule: 'platform_throttled',
        subject: shop.shopId,
        level: 'warning',
        summary: {
          zh: `${shop.platform} 店铺 ${shop.shopId} 平台调用配额不足: 需要 ${shop.ordersPerSec} 单/秒, 上限 ${shop.ceilingOrdersPerSec} 单/秒`,
          en: `${shop.platform} shop ${shop.shopId} is held at its platform quota: ${shop.ordersPerSec} orders/s needed, ${shop.ceilingOrdersPerSec} orders/s possible`,
        },
        details: { ...shop },
        forMs: o.throttledForMs,
      });
    }
  }

  if (s.breakers) {
    for (const b of s.breakers.breakers) {
      if (b.state === 'closed' || b.openSince === null) continue;
      const openMs = s.at - Date.parse(b.openSince);
      if (openMs <= o.breakerOpenMs) continue;
      const lane = b.lane === 'default' ? '默认 ERP / default ERP' : 'ERP';
      out.push({
        rule: 'erp_breaker_open',
        subject: b.lane,
        level: 'critical',
        summary: { zh: `ERP 不可用: 熔断器已打开 ${seconds(openMs)} 秒, 订单推送暂停`, en: `ERP unavailable: its breaker has been open for ${seconds(openMs)} s, deliveries are held (${lane})` },
        details: { lane: b.lane, state: b.state, openSince: b.openSince },
        forMs: 0,
      });
    }
  }

  const count = (list: OpsException[] | null, type: string) => (list ?? []).filter((e) => e.type === type);
  if (s.orderExceptions) {
    const rejected = count(s.orderExceptions, 'erp_rejected');
    if (rejected.length > 0) {
      out.push({
        rule: 'erp_rejected',
        subject: 'all',
        level: 'critical',
        summary: { zh: `ERP 拒收订单 ${rejected.length} 单 (见异常列表)`, en: `The ERP rejected ${rejected.length} orders (see the exception inbox)` },
        details: { count: rejected.length, keys: rejected.slice(0, 10).map((e) => e.key) },
        forMs: 0,
      });
    }
  }
  if (s.catalogExceptions) {
    const failed = count(s.catalogExceptions, 'publish_failed');
    if (failed.length > 0) {
      out.push({
        rule: 'publish_failed',
        subject: 'all',
        level: 'warning',
        summary: { zh: `商品发布失败 ${failed.length} 个`, en: `${failed.length} listings failed to publish` },
        details: { count: failed.length, keys: failed.slice(0, 10).map((e) => e.key) },
        forMs: 0,
      });
    }
    const unmapped = count(s.catalogExceptions, 'unmapped_sku');
    if (unmapped.length > 0) {
      out.push({
        rule: 'unmapped_sku',
        subject: 'all',
        level: 'warning',
        summary: { zh: `未映射的平台 SKU ${unmapped.length} 个: 其订单不占用库存`, en: `${unmapped.length} unmapped platform SKUs: their orders reserve no stock` },
        details: { count: unmapped.length, keys: unmapped.slice(0, 10).map((e) => e.key) },
        forMs: 0,
      });
    }
    const drift = count(s.catalogExceptions, 'stock_drift');
    if (drift.length > 0) {
      out.push({
        rule: 'stock_drift',
        subject: 'all',
        level: 'info',
        summary: { zh: `库存偏差已纠正 ${drift.length} 个 SKU (近一天)`, en: `Stock drift corrected on ${drift.length} SKUs (last day)` },
        details: { count: drift.length, keys: drift.slice(0, 10).map((e) => e.key) },
        forMs: 0,
      });
    }
  }

  for (const e of s.couponExceptions ?? []) {
    // one alert per campaign (budget) and per campaign shop (sync): the level is the exception's
    if (e.type !== 'coupon_budget' && e.type !== 'coupon_sync_failed' && e.type !== 'coupon_usage_mismatch') continue;
    const subject = e.type === 'coupon_budget' ? String(e.context.campaignId) : `${String(e.context.campaignId)}:${String(e.context.shopId)}`;
    out.push({ rule: e.type, subject, level: e.severity, summary: e.title, details: e.context, forMs: 0 });
  }

  for (const e of shopExceptions(s.shops, s.at)) {
    const shopId = String(e.context.shopId);
    out.push({
      rule: e.type === 'shop_needs_reauth' ? 'shop_needs_reauth' : 'shop_token_expiring',
      // the grant's end is its own alert beside the access token's
      subject: e.context.grant ? `${shopId}:grant` : shopId,
      level: e.severity,
      summary: e.title,
      details: e.context,
      forMs: 0,
    });
  }

  for (const u of s.unavailable) {
    out.push({
      rule: 'signal_unavailable',
      subject: u.service,
      level: 'warning',
      summary: { zh: `告警无法读取 ${u.service} 的状态`, en: `Alerting cannot read ${u.service}: ${u.reason}` },
      details: { service: u.service },
      forMs: o.unavailableForMs,
    });
  }
  return out;
}
