import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CouponOrderEvent } from '@app/contracts';
import { appMetrics } from '@app/observability';
import { statusAt } from '../campaigns/campaign-lifecycle';
import { CampaignsService } from '../campaigns/campaigns.service';
import { COUPON_FEATURE_OPTIONS, type CouponFeatureOptions } from '../campaigns/coupon-feature.options';
import { CouponJobs } from '../coupon-sync/coupon-jobs';
import { RedemptionsRepository, type AttributableCoupon, type CampaignSpend, type RedemptionRow } from './redemptions.repository';

/** the budget marks that alert (issue 11 item 5): 80 % info, 100 % warning, 120 % critical (the plan's 20 %-over alarm) */
export const BUDGET_MARKS = [80, 100, 120] as const;

export interface ApplyResult {
  /** coupon lines written (newest versions) */
  lines: number;
  /** orders whose event was older than what is recorded (nothing changed) */
  stale: number;
  /** campaigns the guard stopped as exhausted, with the shops whose stop job was added */
  exhausted: Array<{ merchantId: string; campaignId: string; shopIds: string[] }>;
  marks: Array<{ campaignId: string; pct: number }>;
}

const returnedOf = (e: CouponOrderEvent) => e.status === 'refunded' || e.status === 'cancelled' || e.refundStatus === 'refunded';
const orderKey = (shopId: string, platformOrderId: string) => `${shopId}:${platformOrderId}`;

/**
 * Which of the merchant's campaigns a coupon line is: by the platform's coupon id where the order names it (Douyin
 * coupon_meta_id); else, for a shop-borne coupon, by amount when exactly one started campaign coupon on that shop
 * has it (Kuaishou and Xiaohongshu orders name no coupon: MARKETING-KUAISHOU-ALERTS.md 1.3-1.4); else none.
 */
export function attribute(
  line: CouponOrderEvent['discounts'][number],
  e: Pick<CouponOrderEvent, 'shopId' | 'paidAt' | 'updatedAt'>,
  coupons: readonly AttributableCoupon[],
): Pick<RedemptionRow, 'campaignId' | 'attribution' | 'reason'> {
  const onShop = coupons.filter((c) => c.shopId === e.shopId);
  if (line.platformCouponId) {
    const hit = onShop.find((c) => c.platformCouponId === line.platformCouponId);
    return hit ? { campaignId: hit.campaignId, attribution: 'coupon_id', reason: null } : { campaignId: null, attribution: 'none', reason: `platform coupon ${line.platformCouponId} is none of our campaigns` };
  }
  if (line.bearer !== 'shop') return { campaignId: null, attribution: 'none', reason: `a ${line.bearer} coupon` };
  const at = Date.parse(e.paidAt ?? e.updatedAt);
  const same = onShop.filter((c) => c.kind !== 'discount' && c.amountFen === line.amountFen && (c.startedAt === null || Date.parse(c.startedAt) <= at + 60_000));
  if (same.length === 1) return { campaignId: same[0].campaignId, attribution: 'amount', reason: null };
  if (same.length === 0) return { campaignId: null, attribution: 'none', reason: `no campaign of ours on this shop takes ${line.amountFen} fen off` };
  return { campaignId: null, attribution: 'none', reason: `ambiguous: ${same.length} campaigns on this shop take ${line.amountFen} fen off (the order names no coupon)` };
}

/**
 * Redemptions from orders and the budget guard (issue 11 items 4-5). One {coupon-events} job (order changes that
 * name discounts, refunds, cancellations; relayed from order-sync's coupon-event outbox) is one transaction:
 * the orders' newest versions, their coupon lines attributed to campaigns, returns, then each touched campaign's
 * spend against its budget — marks at 80 / 100 / 120 % (each once: the alerts), and the stop as `exhausted`
 * once spend plus the last budgetStopLeadMs of spend reaches the budget, every shop's stop committed with it
 * (its job added after the commit; the coupon-sync sweeper adds any that are lost).
 */
@Injectable()
export class RedemptionsService {
  private readonly logger = new Logger(RedemptionsService.name);
  private readonly metrics = appMetrics();

  constructor(
    private readonly repo: RedemptionsRepository,
    private readonly campaigns: CampaignsService,
    private readonly jobs: CouponJobs,
    @Inject(COUPON_FEATURE_OPTIONS) private readonly options: CouponFeatureOptions,
  ) {}

  async apply(events: CouponOrderEvent[], now = new Date()): Promise<ApplyResult> {
    const result: ApplyResult = { lines: 0, stale: 0, exhausted: [], marks: [] };
    if (events.length === 0) return result;
    const counted: Array<{ merchantId: string; platform: string; attribution: string; outcome: 'redeemed' | 'returned'; fen: number; ours: boolean }> = [];
    await this.repo.transaction(async (m) => {
      const shops = new Map((await this.repo.shops(m, [...new Set(events.map((e) => e.shopId))])).map((s) => [s.shopId, s.merchantId]));
      // one event per order: the newest version, returned if any version was
      const newest = new Map<string, { e: CouponOrderEvent; returned: boolean }>();
      for (const e of events) {
        if (!shops.has(e.shopId)) continue; // a shop deleted since: nothing of it is counted
        const k = orderKey(e.shopId, e.platformOrderId);
        const was = newest.get(k);
        const returned = returnedOf(e) || (was?.returned ?? false);
        if (!was || Date.parse(e.updatedAt) >= Date.parse(was.e.updatedAt)) newest.set(k, { e, returned });
        else was.returned = returned;
      }
      const orders = [...newest.values()];
      const won = await this.repo.advanceOrders(
        m,
        orders.map(({ e, returned }) => ({ merchantId: shops.get(e.shopId)!, shopId: e.shopId, platformOrderId: e.platformOrderId, updatedAt: e.updatedAt, returned })),
      );
      result.stale = orders.length - won.size;
      const coupons = await this.repo.attributable(m, [...new Set(orders.map((o) => o.e.shopId))]);
      const rows: RedemptionRow[] = [];
      const toReturn: Array<{ shopId: string; platformOrderId: string }> = [];
      for (const { e } of orders) {
        const returned = won.get(orderKey(e.shopId, e.platformOrderId));
        if (returned === undefined) continue; // an older version than recorded
        const merchantId = shops.get(e.shopId)!;
        const lines = e.discounts.filter((d) => d.kind === 'coupon');
        if (returned) toReturn.push({ shopId: e.shopId, platformOrderId: e.platformOrderId });
        const candidates = lines.length > 0 ? coupons.filter((c) => c.merchantId === merchantId) : [];
        lines.forEach((d, lineNo) => {
          const a = attribute(d, e, candidates);
          rows.push({
            merchantId,
            shopId: e.shopId,
            platform: e.platform,
            platformOrderId: e.platformOrderId,
            lineNo,
            ...a,
            platformCouponId: d.platformCouponId,
            platformType: d.platformType,
            bearer: d.bearer,
            discountFen: d.amountFen,
            gmvFen: e.totalFen,
            returned,
            paidAt: e.paidAt,
            orderUpdatedAt: e.updatedAt,
          });
          counted.push({ merchantId, platform: e.platform, attribution: a.attribution, outcome: returned ? 'returned' : 'redeemed', fen: d.amountFen, ours: a.campaignId !== null });
        });
      }
      await this.repo.upsert(m, rows);
      const returnedTouched = await this.repo.returnOrders(m, toReturn);
      result.lines = rows.length;
      const touched = [...rows.filter((r) => r.campaignId !== null).map((r) => ({ merchantId: r.merchantId, campaignId: r.campaignId! })), ...returnedTouched];
      for (const c of await this.repo.spend(m, touched, this.options.budgetStopLeadMs)) await this.guard(m, c, now, result);
    });
    for (const x of result.exhausted) await this.jobs.add(x.shopIds.map((shopId) => ({ merchantId: x.merchantId, campaignId: x.campaignId, shopId })), 'exhausted');
    for (const c of counted) {
      this.metrics.couponRedemptions.inc({ merchant: c.merchantId, platform: c.platform, attribution: c.attribution, outcome: c.outcome });
      if (c.ours) this.metrics.couponDiscountFen.inc({ merchant: c.merchantId, platform: c.platform, outcome: c.outcome }, c.fen);
    }
    return result;
  }

  private async guard(m: Parameters<Parameters<RedemptionsRepository['transaction']>[0]>[0], c: CampaignSpend, now: Date, result: ApplyResult): Promise<void> {
    const crossed = BUDGET_MARKS.filter((pct) => c.spentFen * 100 >= pct * c.budgetFen);
    for (const pct of await this.repo.mark(m, c, crossed)) {
      result.marks.push({ campaignId: c.campaignId, pct });
      this.metrics.couponBudgetMarks.inc({ merchant: c.merchantId, pct: String(pct) });
      this.logger.log({ msg: `campaign budget at ${pct} %`, merchantId: c.merchantId, campaignId: c.campaignId, spentFen: c.spentFen, budgetFen: c.budgetFen });
    }
    const live = statusAt({ status: c.status as never, claimStartsAt: c.claimStartsAt, claimEndsAt: c.claimEndsAt }, now);
    if (live !== 'active' && live !== 'scheduled') return;
    // stop once spent, or once what the last lead window spent would carry it over before every platform has stopped
    const lead = this.options.budgetStopLeadMs > 0 ? c.recentFen : 0;
    if (c.spentFen + lead < c.budgetFen) return;
    const shopIds = await this.campaigns.stopIn(m, c.merchantId, c.campaignId, 'exhausted');
    await this.repo.recordExhausted(m, c);
    result.exhausted.push({ merchantId: c.merchantId, campaignId: c.campaignId, shopIds });
    this.metrics.couponBudgetMarks.inc({ merchant: c.merchantId, pct: 'stop' });
    this.logger.warn({ msg: 'campaign budget spent: stopping it on every platform', merchantId: c.merchantId, campaignId: c.campaignId, spentFen: c.spentFen, recentFen: c.recentFen, budgetFen: c.budgetFen, shops: shopIds.length });
  }
}
