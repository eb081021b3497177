import { ALERT_RULES, evaluateRules, type AlertRuleSettings } from './alert-rules';
import type { MerchantSignals } from './alert-signals';

const settings: AlertRuleSettings = { slaWindowMs: 600_000, slaBreachRate: 0.05, slaBreachRateMinOrders: 20, queueAgeWarnMs: 60_000, breakerOpenMs: 30_000, throttledForMs: 60_000, unavailableForMs: 60_000 };
const none = { pending: 0, failed: 0, oldestPendingAgeMs: null };
const at = Date.parse('2026-12-03T06:00:00Z');
const base = (over: Partial<MerchantSignals> = {}): MerchantSignals => ({
  merchantId: 'm1',
  at,
  sla: { platforms: [] },
  queues: { inbox: none, outbox: none, shipments: none, platformQuota: [] },
  breakers: { breakers: [] },
  orderExceptions: [],
  catalogExceptions: [],
  couponExceptions: [],
  shops: [],
  unavailable: [],
  ...over,
});

describe(evaluateRules.name, () => {
  it('nothing wrong: no condition', () => {
    expect(evaluateRules(base(), settings)).toEqual([]);
  });

  it('SLA breaches per platform (critical), warnings without breaches (warning), the breach rate over the window', () => {
    const c = evaluateRules(
      base({
        sla: {
          platforms: [
            { platform: 'douyin', acked: 30, warnings: 4, breaches: 3, breachCauses: { erp_down: 2, backlog: 1 } },
            { platform: 'taobao', acked: 10, warnings: 2, breaches: 0, breachCauses: {} },
          ],
        },
      }),
      settings,
    );
    expect(c.map((x) => [x.rule, x.subject, x.level])).toEqual([
      ['sla_breach', 'douyin', 'critical'],
      ['sla_warning', 'taobao', 'warning'],
      ['sla_breach_rate', 'all', 'critical'],
    ]);
    expect(c[0].summary.en).toMatch(/3 orders breached the 30 s SLA .* mostly erp_down/);
  });

  it('oldest waiting age per queue: warning past the mark, critical past five times it', () => {
    const c = evaluateRules(base({ queues: { inbox: { pending: 3, failed: 0, oldestPendingAgeMs: 61_000 }, outbox: { pending: 9, failed: 0, oldestPendingAgeMs: 301_000 }, shipments: none, platformQuota: [] } }), settings);
    expect(c.map((x) => [x.subject, x.level])).toEqual([
      ['inbox', 'warning'],
      ['outbox', 'critical'],
    ]);
  });

  it('an ERP breaker not closed for longer than N s; half-open counts as not closed', () => {
    const open = (sinceMs: number, state: 'open' | 'halfOpen' = 'open') => base({ breakers: { breakers: [{ upstream: 'erp', lane: 'default', state, openSince: new Date(at - sinceMs).toISOString() }] } });
    expect(evaluateRules(open(29_000), settings)).toEqual([]);
    expect(evaluateRules(open(31_000, 'halfOpen'), settings).map((x) => x.rule)).toEqual(['erp_breaker_open']);
  });

  it('throttling sustained and an unavailable service hold for their time before they fire', () => {
    const c = evaluateRules(
      base({
        queues: { inbox: none, outbox: none, shipments: none, platformQuota: [{ shopId: 's1', platform: 'xiaohongshu', ordersPerSec: 80, ceilingOrdersPerSec: 50, quotaBound: true }] },
        unavailable: [{ service: 'catalog-sync', reason: '503' }],
      }),
      settings,
    );
    expect(c.map((x) => [x.rule, x.forMs])).toEqual([
      ['platform_throttled', 60_000],
      ['signal_unavailable', 60_000],
    ]);
  });

  it('shops: needs re-authorisation (critical), token expiring within a day (warning), expired (critical), per shop', () => {
    const shop = (id: string, over: Record<string, unknown>) =>
      ({ id, merchantId: 'm1', platform: 'douyin', platformShopId: id, name: `shop ${id}`, appKey: 'ak', status: 'active', statusReason: null, tokenExpiresAt: null, credentials: 'ok', hasAccessToken: true, hasRefreshToken: true, createdAt: '2026-12-01T00:00:00Z', updatedAt: '2026-12-02T00:00:00Z', ...over }) as unknown as MerchantSignals['shops'][number];
    const c = evaluateRules(
      base({
        shops: [
          shop('s1', { status: 'needs_reauth', statusReason: 'refresh token revoked' }),
          shop('s2', { tokenExpiresAt: new Date(at + 3_600_000).toISOString() }),
          shop('s3', { tokenExpiresAt: new Date(at - 1000).toISOString() }),
          shop('s4', { tokenExpiresAt: new Date(at + 3 * 86_400_000).toISOString() }),
        ],
      }),
      settings,
    );
    expect(c.map((x) => [x.rule, x.subject, x.level])).toEqual([
      ['shop_needs_reauth', 's1', 'critical'],
      ['shop_token_expiring', 's2', 'warning'],
      ['shop_token_expiring', 's3', 'critical'],
    ]);
    expect(c[0].summary.zh).toContain('店铺需要重新授权');
  });

  it('exceptions: ERP rejections (critical), failed publishes and unmapped SKUs (warning) and corrected stock drift (info), one alert each with the count', () => {
    const ex = (type: string, i: number) => ({ key: `${type}:${i}`, type, severity: 'warning', since: '2026-12-03T05:00:00Z', title: { zh: 'x', en: 'x' }, context: {}, actions: [] }) as never;
    const c = evaluateRules(base({ orderExceptions: [ex('erp_rejected', 1), ex('erp_rejected', 2), ex('shipment_failed', 3)], catalogExceptions: [ex('publish_failed', 4), ex('stock_drift', 5), ex('unmapped_sku', 6), ex('unmapped_sku', 7)] }), settings);
    expect(c.map((x) => [x.rule, x.level, x.details.count])).toEqual([
      ['erp_rejected', 'critical', 2],
      ['publish_failed', 'warning', 1],
      ['unmapped_sku', 'warning', 2],
      ['stock_drift', 'info', 1],
    ]);
  });

  it("coupon exceptions: a campaign's budget mark (its level) per campaign, a failed coupon sync and a usage difference per campaign shop", () => {
    const ex = (type: string, severity: string, context: Record<string, unknown>) => ({ key: `${type}:${JSON.stringify(context)}`, type, severity, since: '2026-12-03T05:00:00Z', title: { zh: 'x', en: 'x' }, context, actions: [] }) as never;
    const c = evaluateRules(
      base({
        couponExceptions: [
          ex('coupon_budget', 'critical', { campaignId: 'c1', pct: 120 }),
          ex('coupon_budget', 'info', { campaignId: 'c2', pct: 80 }),
          ex('coupon_sync_failed', 'critical', { campaignId: 'c1', shopId: 's1' }),
          ex('coupon_usage_mismatch', 'warning', { campaignId: 'c1', shopId: 's2', platformUsed: 12, counted: 11 }),
        ],
      }),
      settings,
    );
    expect(c.map((x) => [x.rule, x.subject, x.level])).toEqual([
      ['coupon_budget', 'c1', 'critical'],
      ['coupon_budget', 'c2', 'info'],
      ['coupon_sync_failed', 'c1:s1', 'critical'],
      ['coupon_usage_mismatch', 'c1:s2', 'warning'],
    ]);
    expect(ALERT_RULES.filter((r) => r.source === 'coupon').every((r) => r.signal !== null)).toBe(true);
  });
});
