import { Injectable, Logger } from '@nestjs/common';
import { hasCapability, PlatformAdapterRegistry, ShopDirectory, type CouponDraft, type CouponManager, type PlatformAdapter, type ShopContext } from '@app/platforms';
import { describeError, DONE, outcomeFor, type JobOutcome } from '@app/queue';
import { statusAt } from '../campaigns/campaign-lifecycle';
import type { CampaignRecord, CampaignShopRecord } from '../campaigns/campaign.types';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import { CouponJobs, type CampaignShopRef } from './coupon-jobs';
import { CouponSyncRepository } from './coupon-sync.repository';

/**
 * The coupon total a platform is given: the campaign's quantity, bounded by what its budget can pay for when every
 * coupon is worth the same (直减 / 满减: ceil(budget / amount)) — the platform itself then refuses claims beyond the
 * budget, whatever reaches the budget guard late (issue 11 item 5: "lower remaining stock as the budget nears").
 * A discount (折扣) coupon's value depends on the order: its quantity stands.
 */
export function platformQuantityOf(c: Pick<CampaignRecord, 'kind' | 'totalQuantity' | 'amountFen' | 'budgetFen'>): number {
  if (c.kind === 'discount' || !c.amountFen || c.amountFen <= 0) return c.totalQuantity;
  return Math.max(1, Math.min(c.totalQuantity, Math.ceil(c.budgetFen / c.amountFen)));
}

/** the campaign as one platform's create takes it */
export function draftOf(c: CampaignRecord, s: Pick<CampaignShopRecord, 'idempotencyKey'>, platformProductIds: string[]): CouponDraft {
  return {
    idempotencyKey: s.idempotencyKey,
    name: c.name,
    kind: c.kind,
    thresholdFen: c.thresholdFen,
    amountFen: c.amountFen,
    ratePermille: c.ratePermille,
    maxDiscountFen: c.maxDiscountFen,
    totalQuantity: platformQuantityOf(c),
    perUserLimit: Math.min(c.perUserLimit, platformQuantityOf(c)),
    claimStartsAt: c.claimStartsAt,
    claimEndsAt: c.claimEndsAt,
    validity: c.validity,
    audience: c.audience,
    platformProductIds,
  };
}

/**
 * One (campaign, shop) brought to what the campaign's status asks (issue 11 item 3), one step per job:
 *
 * - the campaign is active and the shop `pending` (or `creating`: an earlier attempt's answer was lost): create
 *   the coupon — after the first attempt, look for it first (`findCoupon` by our idempotency key), so a lost
 *   create answer never makes a second coupon; the platform's own key (Kuaishou outerUniqueKey) covers the race
 *   between the look and the create. Then `created` with the platform's coupon id, and a job at the claim
 *   window's end (platforms whose window is coarser than ours, Kuaishou's whole days, are stopped then).
 * - the campaign is over (stopped, exhausted, past its window) and the coupon `created` / `stopping` (or
 *   `creating`: it may exist) -> stop it on the platform (find it first when we never heard its id), `stopped`.
 * - scheduled: the job waits for the window to open. pending of a campaign that is over: `stopped`, nothing sent.
 *
 * Errors go through the one job-outcome table (libs/queue outcomeFor, BullMQ's clock): throttles wait, transient
 * errors retry with backoff, a refusal is `failed` with the platform's reason. An adapter without the coupon
 * capability leaves the shop `manual` with the reason, never a pretend success.
 */
@Injectable()
export class CouponSyncService {
  private readonly logger = new Logger(CouponSyncService.name);

  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly repo: CouponSyncRepository,
    private readonly jobs: CouponJobs,
    private readonly adapters: PlatformAdapterRegistry,
    private readonly directory: ShopDirectory,
  ) {}

  async sync(k: CampaignShopRef, attempt = 1, now = new Date()): Promise<JobOutcome> {
    const c = await this.campaigns.get(k.merchantId, k.campaignId);
    const s = c ? (await this.campaigns.shopsOfCampaigns(k.merchantId, [k.campaignId])).find((x) => x.shopId === k.shopId) : undefined;
    if (!c || !s) return DONE; // deleted since the job was added
    const status = statusAt(c, now);
    const over = status === 'stopped' || status === 'exhausted' || status === 'ended';
    if (s.state === 'pending' && over) {
      await this.repo.move(k, ['pending'], 'stopped', { reason: `the campaign is ${status}: nothing was sent` });
      return DONE;
    }
    if (s.state === 'pending' && status === 'scheduled') {
      await this.jobs.add([k], `open-${Date.parse(c.claimStartsAt)}`, new Date(c.claimStartsAt));
      return DONE;
    }
    const wantsCoupon = (s.state === 'pending' || s.state === 'creating') && status === 'active';
    const wantsStop = (s.state === 'created' || s.state === 'stopping' || s.state === 'creating') && over;
    const wantsStock = s.state === 'created' && status === 'active' && s.platformQuantity !== null && s.platformQuantity !== platformQuantityOf(c);
    if (!wantsCoupon && !wantsStop && !wantsStock) return DONE;

    const shop = await this.directory.get(k.shopId);
    if (!shop) return { kind: 'failed', reason: `shop ${k.shopId} not found or disabled` };
    const adapter = this.adapters.get(s.platform);
    if (!hasCapability(adapter, 'coupons')) {
      await this.repo.move(k, [s.state], 'manual', { reason: `${s.platform}: this adapter does not manage coupons through the open API; do it in the platform's merchant backend` });
      return DONE;
    }
    const draft = draftOf(c, s, c.scope === 'products' ? await this.repo.platformProductIds(k.merchantId, k.shopId, c.productIds) : []);
    if (wantsCoupon) return this.create(k, c, s, shop, adapter, draft, attempt);
    if (wantsStop) return this.stop(k, s, shop, adapter, draft, attempt);
    return this.restock(k, c, s, shop, adapter, draft, attempt);
  }

  /**
   * The campaign's total changed while its coupon is live. Platforms add stock only (Kuaishou stock.add), and
   * without an idempotency key: the increment is computed from the total the platform shows now (read back), so a
   * retried call whose first answer was lost adds nothing twice. A lower total, or no stock API, is said in the
   * shop's reason (the platform keeps its total), never a pretend change.
   */
  private async restock(
    k: CampaignShopRef,
    c: CampaignRecord,
    s: CampaignShopRecord,
    shop: ShopContext,
    adapter: PlatformAdapter & CouponManager,
    draft: CouponDraft,
    attempt: number,
  ): Promise<JobOutcome> {
    const held = s.platformQuantity as number;
    const target = platformQuantityOf(c);
    if (target < held || !hasCapability(adapter, 'couponStock')) {
      const why = target < held ? `${s.platform}'s API only adds coupon stock` : `this adapter changes no coupon stock on ${s.platform}`;
      await this.repo.move(k, ['created'], 'created', { reason: `coupon total ${target} (quantity ${c.totalQuantity}, budget-bounded) not applied: ${why}; the platform holds ${held}` });
      return DONE;
    }
    try {
      const actual = (await adapter.findCoupon(shop, draft))?.totalQuantity ?? held;
      const increment = target - actual;
      if (increment > 0) await adapter.addCouponStock(shop, s.platformCouponId as string, increment);
      await this.repo.move(k, ['created'], 'created', { platformQuantity: Math.max(actual, target), reason: null, lastError: null });
      return DONE;
    } catch (e) {
      const outcome = outcomeFor(e, { attempt, clock: 'queue' });
      if (outcome.kind === 'failed') await this.repo.move(k, ['created'], 'created', { reason: `coupon total ${target} refused by ${s.platform}: ${outcome.reason}`, lastError: outcome.reason });
      else await this.repo.recordError(k, describeError(e));
      return outcome;
    }
  }

  private async create(
    k: CampaignShopRef,
    c: CampaignRecord,
    s: CampaignShopRecord,
    shop: ShopContext,
    adapter: PlatformAdapter & CouponManager,
    draft: CouponDraft,
    attempt: number,
  ): Promise<JobOutcome> {
    const began = await this.repo.move(k, ['pending', 'creating'], 'creating', { attempt: true });
    if (!began) return DONE; // a stop moved it meanwhile
    try {
      // an attempt before this one may have created it (its answer lost): look first
      const found = began.attempts > 1 ? await adapter.findCoupon(shop, draft) : null;
      const coupon = found ?? (await adapter.createCoupon(shop, draft));
      const moved = await this.repo.move(k, ['creating'], 'created', { platformCouponId: coupon.platformCouponId, platformQuantity: coupon.totalQuantity ?? platformQuantityOf(c), lastError: null, reason: null });
      if (!moved) {
        // stopped while the create was on its way: the coupon exists, so it is stopped on the next step
        await this.repo.move(k, ['stopped', 'stopping'], 'stopping', { platformCouponId: coupon.platformCouponId });
        await this.jobs.add([k], `stop-${coupon.platformCouponId}`);
        return DONE;
      }
      this.logger.log({ msg: found ? 'coupon found after a lost answer' : 'coupon created', campaignId: k.campaignId, shopId: k.shopId, platformCouponId: coupon.platformCouponId });
      await this.jobs.add([k], `end-${Date.parse(c.claimEndsAt)}`, new Date(c.claimEndsAt));
      return DONE;
    } catch (e) {
      return this.failure(k, 'creating', e, attempt);
    }
  }

  private async stop(k: CampaignShopRef, s: CampaignShopRecord, shop: ShopContext, adapter: PlatformAdapter & CouponManager, draft: CouponDraft, attempt: number): Promise<JobOutcome> {
    const began = await this.repo.move(k, ['created', 'stopping', 'creating'], 'stopping', { attempt: true });
    if (!began) return DONE;
    try {
      const id = s.platformCouponId ?? (await adapter.findCoupon(shop, draft))?.platformCouponId ?? null;
      if (id === null) {
        await this.repo.move(k, ['stopping'], 'stopped', { reason: 'the campaign is over and no coupon was created on the platform', lastError: null });
        return DONE;
      }
      await adapter.stopCoupon(shop, id);
      await this.repo.move(k, ['stopping'], 'stopped', { platformCouponId: id, lastError: null, reason: null });
      return DONE;
    } catch (e) {
      return this.failure(k, 'stopping', e, attempt);
    }
  }

  private async failure(k: CampaignShopRef, state: 'creating' | 'stopping', e: unknown, attempt: number): Promise<JobOutcome> {
    const outcome = outcomeFor(e, { attempt, clock: 'queue' });
    if (outcome.kind === 'failed') {
      await this.repo.move(k, [state], 'failed', { reason: `${state === 'creating' ? 'create' : 'stop'} refused: ${outcome.reason}`, lastError: outcome.reason });
    } else {
      await this.repo.recordError(k, describeError(e));
    }
    return outcome;
  }
}
