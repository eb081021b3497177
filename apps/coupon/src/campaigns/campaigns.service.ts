import { createHash } from 'node:crypto';
import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException, Optional, UnprocessableEntityException } from '@nestjs/common';
import { ComplianceChecker, SHIPPED_BANNED_WORDS, type WordViolation } from '@app/compliance';
import type { CampaignStatus } from '@app/contracts';
import type { EntityManager } from 'typeorm';
import { platformRegistry } from '@app/platforms';
import { assertCanChange, assertCanStop, startTo, statusAt } from './campaign-lifecycle';
import type { CampaignInput, CampaignRecord, CampaignShopRecord } from './campaign.types';
import { CampaignsRepository, type ShopRowInput } from './campaigns.repository';
import { COUPON_FEATURE_OPTIONS, type CouponFeatureOptions } from './coupon-feature.options';
import type { CreateCampaignDto, UpdateCampaignDto } from './dto/campaign.dto';
import { planFor } from './platform-plan';
import { CouponJobs } from '../coupon-sync/coupon-jobs';
import { RedemptionsRepository, type CampaignFigures } from '../redemptions/redemptions.repository';

/** what the figures are (GET): counted from the orders omnisync received, not read from the platforms */
export const FIGURES_NOTE =
  'counted from orders: redemptions are coupon lines of paid orders attributed to this campaign (by the coupon id where the platform names it, else by amount); a refund or cancellation gives one back; spend is their discount; remainingStock is the total quantity less redemptions (claimed but unused coupons count as remaining: no platform claim figures are read)';

/** the reason a started campaign's API shops stay `pending` where this process runs no coupon-sync jobs (CampaignsFeatureModule without `sync`) */
export const NOT_SENT_YET = 'not sent: this deployment runs no coupon-sync jobs; nothing was sent to this platform';

export interface CampaignView extends Omit<CampaignRecord, 'merchantId'> {
  platforms: Array<Omit<CampaignShopRecord, 'campaignId' | 'idempotencyKey' | 'attempts'>>;
  figures: CampaignFiguresView;
}

export interface CampaignFiguresView extends Omit<CampaignFigures, 'marks' | 'exhaustedAt' | 'exhaustedSpentFen'> {
  remainingStock: number;
  budget: {
    budgetFen: number;
    spentPct: number;
    marks: CampaignFigures['marks'];
    /** when the budget guard stopped the campaign, at what spend; overshoot: spend beyond the budget (0 while under) */
    exhaustedAt: string | null;
    exhaustedSpentFen: number | null;
    overshootFen: number;
  };
  note: string;
}

/** the per-(campaign, shop) idempotency key: deterministic, 36 characters (Kuaishou's outerUniqueKey takes 60) */
export function idempotencyKeyOf(campaignId: string, shopId: string): string {
  return `cpn-${createHash('sha256').update(`${campaignId}:${shopId}`).digest('hex').slice(0, 32)}`;
}

/**
 * Coupon campaigns (issue 11 items 1, 2, 6): define once, check, store with each shop's state computed from its
 * platform's coupon capability; start / stop / change with the lifecycle's rules. Platform calls (the
 * {coupon-sync} jobs of item 3) are not built in this slice: a start leaves the shops that take the campaign by
 * API `pending` with NOT_SENT_YET as their reason, never a pretend `created`.
 */
@Injectable()
export class CampaignsService {
  private readonly checker = new ComplianceChecker(SHIPPED_BANNED_WORDS.words, SHIPPED_BANNED_WORDS.allow);

  constructor(
    private readonly repo: CampaignsRepository,
    private readonly redemptions: RedemptionsRepository,
    @Inject(COUPON_FEATURE_OPTIONS) private readonly options: CouponFeatureOptions,
    /** present when the process runs the coupon-sync jobs (CampaignsFeatureModule `sync`) */
    @Optional() private readonly jobs?: CouponJobs,
  ) {}

  /** banned words in the texts a platform would show; 422 naming each word and field, before anything is stored or sent */
  checkTexts(fields: { field: string; text: string }[]): void {
    const v: WordViolation[] = this.checker.check(fields);
    if (v.length === 0) return;
    throw new UnprocessableEntityException({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: v.map((x) => `${x.field}: banned word "${x.word}" (${x.category}) at ${x.start}-${x.end}; nothing was stored or sent`),
    });
  }

  async create(merchantId: string, dto: CreateCampaignDto): Promise<CampaignView> {
    this.checkTexts([
      { field: 'name', text: dto.name },
      { field: 'description', text: dto.description ?? '' },
      { field: 'liveSession.label', text: dto.liveSession?.label ?? '' },
    ]);
    const problems: string[] = [];
    const shops = await this.repo.shopsOf(merchantId, dto.shopIds);
    if (dto.shopIds) {
      const own = new Set(shops.map((s) => s.id));
      dto.shopIds.forEach((id, i) => {
        if (!own.has(id)) problems.push(`shopIds[${i}] is not an active shop of this merchant`);
      });
    } else if (shops.length === 0) problems.push('shopIds: the merchant has no active shop to run a campaign in');
    if (dto.productIds && dto.scope === 'products') {
      const own = await this.repo.ownProductIds(merchantId, dto.productIds);
      dto.productIds.forEach((id, i) => {
        if (!own.has(id)) problems.push(`productIds[${i}] is not a product of this merchant`);
      });
    }
    if (problems.length > 0) throw new BadRequestException(problems);

    const input: CampaignInput = {
      externalKey: dto.externalKey ?? null,
      name: dto.name.trim(),
      description: (dto.description ?? '').trim(),
      kind: dto.kind,
      thresholdFen: dto.thresholdFen ?? null,
      amountFen: dto.amountFen ?? null,
      ratePermille: dto.ratePermille ?? null,
      maxDiscountFen: dto.maxDiscountFen ?? null,
      totalQuantity: dto.totalQuantity,
      perUserLimit: dto.perUserLimit,
      claimStartsAt: new Date(dto.claimStartsAt).toISOString(),
      claimEndsAt: new Date(dto.claimEndsAt).toISOString(),
      validity: {
        kind: dto.validity.kind,
        from: dto.validity.from ? new Date(dto.validity.from).toISOString() : null,
        until: dto.validity.until ? new Date(dto.validity.until).toISOString() : null,
        days: dto.validity.days ?? null,
      },
      scope: dto.scope,
      productIds: dto.scope === 'products' ? (dto.productIds ?? []) : [],
      audience: dto.audience,
      memberLevel: dto.memberLevel ?? null,
      crowdTags: dto.crowdTags ?? [],
      liveSession: dto.liveSession
        ? { label: dto.liveSession.label.trim(), startsAt: new Date(dto.liveSession.startsAt).toISOString(), endsAt: new Date(dto.liveSession.endsAt).toISOString() }
        : null,
      budgetFen: dto.budgetFen,
    };
    const id = await this.repo.transaction(async (m) => {
      const campaignId = await this.repo.insertCampaign(m, merchantId, input);
      if (!campaignId) return null;
      const rows: ShopRowInput[] = shops.map((shop) => {
        const plan = planFor(
          shop.platform,
          platformRegistry.get(shop.platform).coupons,
          { kind: input.kind, amountFen: input.amountFen, thresholdFen: input.thresholdFen, scope: input.scope, audience: input.audience, validityKind: input.validity.kind },
          { unconfirmedApis: this.options.unconfirmedApis },
        );
        return { shopId: shop.id, platform: shop.platform, state: plan.state, reason: plan.reason, warnings: plan.warnings, api: plan.api, idempotencyKey: idempotencyKeyOf(campaignId, shop.id) };
      });
      await this.repo.insertShops(m, merchantId, campaignId, rows);
      return campaignId;
    });
    if (!id) throw new ConflictException(`externalKey ${dto.externalKey} is already used by another campaign of this merchant`);
    return this.get(merchantId, id);
  }

  async get(merchantId: string, id: string): Promise<CampaignView> {
    const c = await this.repo.get(merchantId, id);
    if (!c) throw new NotFoundException(`no campaign ${id}`);
    return this.view(c, await this.repo.shopsOfCampaigns(merchantId, [id]), (await this.redemptions.figures(merchantId, [id])).get(id));
  }

  async list(merchantId: string, status?: string): Promise<CampaignView[]> {
    const all = await this.repo.list(merchantId);
    const now = new Date();
    const shown = status ? all.filter((c) => statusAt(c, now) === status) : all;
    const shops = await this.repo.shopsOfCampaigns(merchantId, shown.map((c) => c.id));
    const figures = await this.redemptions.figures(merchantId, shown.map((c) => c.id));
    return shown.map((c) => this.view(c, shops.filter((s) => s.campaignId === c.id), figures.get(c.id), now));
  }

  /** stock and budget; the quantity never goes below a per-user limit (400), an ended campaign is a 409 */
  async update(merchantId: string, id: string, dto: UpdateCampaignDto): Promise<CampaignView> {
    if (dto.totalQuantity === undefined && dto.budgetFen === undefined) throw new BadRequestException(['totalQuantity or budgetFen: give at least one to change']);
    await this.repo.transaction(async (m) => {
      const c = await this.repo.get(merchantId, id, m, true);
      if (!c) throw new NotFoundException(`no campaign ${id}`);
      assertCanChange(c, new Date());
      if (dto.totalQuantity !== undefined && dto.totalQuantity < c.perUserLimit) {
        throw new BadRequestException([`totalQuantity must not be below the campaign's perUserLimit (${c.perUserLimit})`]);
      }
      await this.repo.updateFigures(m, merchantId, id, dto);
    });
    if ((dto.totalQuantity !== undefined || dto.budgetFen !== undefined) && this.jobs) {
      // a live coupon's platform total follows (coupon-sync restock: the quantity, bounded by the budget for fixed
      // amounts, platformQuantityOf); the row keeps the platform's figure until then
      const live = (await this.repo.shopsOfCampaigns(merchantId, [id])).filter((s) => s.state === 'created');
      await this.jobs.add(live.map((s) => ({ merchantId, campaignId: id, shopId: s.shopId })), `qty-${dto.totalQuantity ?? '-'}-${dto.budgetFen ?? '-'}-${Date.now()}`);
    }
    return this.get(merchantId, id);
  }

  /**
   * draft -> scheduled / active. The shops that take it by API stay `pending` until their coupon-sync job creates
   * the coupon (the rows are the record, committed with the status; the jobs are added after the commit and the
   * sweeper adds any that were lost); without coupon-sync jobs in this process they say so (NOT_SENT_YET).
   */
  async start(merchantId: string, id: string): Promise<CampaignView> {
    const pending = await this.repo.transaction(async (m) => {
      const c = await this.repo.get(merchantId, id, m, true);
      if (!c) throw new NotFoundException(`no campaign ${id}`);
      const to = startTo(c, new Date());
      await this.repo.setStatus(m, merchantId, id, to, 'started_at');
      return this.repo.moveShops(m, merchantId, id, ['pending'], 'pending', { reason: this.jobs ? null : NOT_SENT_YET, clearReason: !!this.jobs });
    });
    await this.jobs?.add(pending.map((shopId) => ({ merchantId, campaignId: id, shopId })), 'start');
    return this.get(merchantId, id);
  }

  /**
   * scheduled / active -> stopped. Per shop: one never sent (`pending`) is stopped here; one being created
   * (`creating`: its coupon may exist) or created that the platform can stop by API becomes `stopping` for its
   * coupon-sync job; a created coupon the platform cannot stop by API (Taobao) becomes `manual` with the reason.
   */
  async stop(merchantId: string, id: string): Promise<CampaignView> {
    const stopping = await this.repo.transaction(async (m) => {
      const c = await this.repo.get(merchantId, id, m, true);
      if (!c) throw new NotFoundException(`no campaign ${id}`);
      assertCanStop(c, new Date());
      return this.stopIn(m, merchantId, id, 'stopped');
    });
    await this.jobs?.add(stopping.map((shopId) => ({ merchantId, campaignId: id, shopId })), 'stop');
    return this.get(merchantId, id);
  }

  /**
   * The stop's writes, inside the caller's transaction (the caller holds the campaign row and checked it may stop):
   * the status (`stopped` by a person, `exhausted` by the budget guard), each shop's next state; returns the shops
   * whose coupon-sync job the caller adds after the commit (the sweeper adds any that are lost).
   */
  async stopIn(m: EntityManager, merchantId: string, id: string, to: 'stopped' | 'exhausted'): Promise<string[]> {
    await this.repo.setStatus(m, merchantId, id, to, 'stopped_at');
    await this.repo.moveShops(m, merchantId, id, ['pending'], 'stopped', { reason: `${to} before the coupon was created: nothing was sent` });
    const live = (await this.repo.shopsOfCampaigns(merchantId, [id], m)).filter((s) => s.state === 'created' || s.state === 'creating');
    const byApi: string[] = [];
    for (const s of live) {
      const cap = platformRegistry.get(s.platform).coupons;
      const stop = cap.operations?.stop;
      if (stop && (stop.confirmed || this.options.unconfirmedApis)) byApi.push(s.shopId);
      else {
        const reason = `stop it by hand: ${cap.missing?.stop ?? `${s.platform} has no stop API`} (platform coupon ${s.platformCouponId ?? 'id not known yet'})`;
        await this.repo.moveShops(m, merchantId, id, ['created', 'creating'], 'manual', { reason, shopIds: [s.shopId] });
      }
    }
    return byApi.length > 0 ? this.repo.moveShops(m, merchantId, id, ['created', 'creating'], 'stopping', { shopIds: byApi }) : [];
  }

  private view(c: CampaignRecord, shops: CampaignShopRecord[], f: CampaignFigures | undefined, now = new Date()): CampaignView {
    const { merchantId: _m, ...rest } = c;
    const status: CampaignStatus = statusAt(c, now);
    const fig: CampaignFigures = f ?? { redemptions: 0, returned: 0, spentFen: 0, gmvFen: 0, byPlatform: [], marks: [], exhaustedAt: null, exhaustedSpentFen: null };
    const { marks, exhaustedAt, exhaustedSpentFen, ...counts } = fig;
    return {
      ...rest,
      status,
      platforms: shops.map(({ campaignId: _c, idempotencyKey: _k, attempts: _a, ...s }) => s),
      figures: {
        ...counts,
        remainingStock: Math.max(0, c.totalQuantity - fig.redemptions),
        budget: {
          budgetFen: c.budgetFen,
          spentPct: Math.round((fig.spentFen / c.budgetFen) * 1000) / 10,
          marks,
          exhaustedAt,
          exhaustedSpentFen,
          overshootFen: Math.max(0, fig.spentFen - c.budgetFen),
        },
        note: FIGURES_NOTE,
      },
    };
  }
}
