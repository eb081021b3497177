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

  it('coupon budget is a named slot without a signal (the coupon issue has not landed)', () => {
    expect(ALERT_RULES.find((r) => r.name === 'coupon_budget')).toMatchObject({ signal: null, source: 'coupon' });
  });
});
