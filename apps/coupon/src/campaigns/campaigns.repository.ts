import { Injectable } from '@nestjs/common';
import { rowsOf } from '@app/persistence';
import type { CampaignShopState, CampaignStatus } from '@app/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import type { CampaignInput, CampaignRecord, CampaignShopRecord, ShopRef } from './campaign.types';

const CAMPAIGN_COLS = `c.id, c.merchant_id AS "merchantId", c.external_key AS "externalKey", c.name, c.description, c.kind,
  c.threshold_fen AS "thresholdFen", c.amount_fen AS "amountFen", c.rate_permille AS "ratePermille", c.max_discount_fen AS "maxDiscountFen",
  c.total_quantity AS "totalQuantity", c.per_user_limit AS "perUserLimit", c.claim_starts_at AS "claimStartsAt", c.claim_ends_at AS "claimEndsAt",
  c.validity_kind AS "validityKind", c.valid_from AS "validFrom", c.valid_until AS "validUntil", c.valid_days AS "validDays",
  c.scope, c.product_ids AS "productIds", c.audience, c.member_level AS "memberLevel", c.crowd_tags AS "crowdTags",
  c.live_label AS "liveLabel", c.live_starts_at AS "liveStartsAt", c.live_ends_at AS "liveEndsAt", c.budget_fen AS "budgetFen",
  c.status, c.version, c.created_at AS "createdAt", c.updated_at AS "updatedAt", c.started_at AS "startedAt", c.stopped_at AS "stoppedAt"`;
const SHOP_COLS = `s.campaign_id AS "campaignId", s.shop_id AS "shopId", s.platform, s.state, s.reason, s.warnings, s.api,
  s.idempotency_key AS "idempotencyKey", s.platform_coupon_id AS "platformCouponId", s.last_error AS "lastError", s.attempts,
  s.platform_quantity AS "platformQuantity", s.updated_at AS "updatedAt",
  s.platform_used AS "platformUsed", s.counted_at_check AS "countedAtCheck", s.usage_checked_at AS "usageCheckedAt"`;

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v));
const fen = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toCampaign(r: Record<string, unknown>): CampaignRecord {
  return {
    id: r.id as string,
    merchantId: r.merchantId as string,
    externalKey: (r.externalKey as string | null) ?? null,
    name: r.name as string,
    description: r.description as string,
    kind: r.kind as CampaignRecord['kind'],
    thresholdFen: fen(r.thresholdFen),
    amountFen: fen(r.amountFen),
    ratePermille: (r.ratePermille as number | null) ?? null,
    maxDiscountFen: fen(r.maxDiscountFen),
    totalQuantity: r.totalQuantity as number,
    perUserLimit: r.perUserLimit as number,
    claimStartsAt: iso(r.claimStartsAt)!,
    claimEndsAt: iso(r.claimEndsAt)!,
    validity: { kind: r.validityKind as CampaignRecord['validity']['kind'], from: iso(r.validFrom), until: iso(r.validUntil), days: (r.validDays as number | null) ?? null },
    scope: r.scope as CampaignRecord['scope'],
    productIds: r.productIds as string[],
    audience: r.audience as CampaignRecord['audience'],
    memberLevel: (r.memberLevel as number | null) ?? null,
    crowdTags: r.crowdTags as string[],
    liveSession: r.liveLabel ? { label: r.liveLabel as string, startsAt: iso(r.liveStartsAt)!, endsAt: iso(r.liveEndsAt)! } : null,
    budgetFen: fen(r.budgetFen)!,
    status: r.status as CampaignStatus,
    version: r.version as number,
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
    startedAt: iso(r.startedAt),
    stoppedAt: iso(r.stoppedAt),
  };
}

function toShop(r: Record<string, unknown>): CampaignShopRecord {
  const { platformUsed, countedAtCheck, usageCheckedAt, ...rest } = r;
  return {
    ...(rest as unknown as Omit<CampaignShopRecord, 'usage'>),
    updatedAt: iso(r.updatedAt)!,
    usage: usageCheckedAt ? { platformUsed: platformUsed === null ? null : Number(platformUsed), counted: Number(countedAtCheck), checkedAt: iso(usageCheckedAt)! } : null,
  };
}

export interface ShopRowInput {
  shopId: string;
  platform: string;
  state: CampaignShopState;
  reason: string | null;
  warnings: string[];
  api: string | null;
  idempotencyKey: string;
}

/**
 * Every statement on coupon.* (and the reads of the merchant's shops and products it needs). Each method takes
 * the merchant id and scopes its reads and writes to it: another merchant's campaign is simply not found.
 */
@Injectable()
export class CampaignsRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /** the merchant's active shops, or the listed ones of them (ids not the merchant's are simply absent) */
  async shopsOf(merchantId: string, ids?: readonly string[]): Promise<ShopRef[]> {
    return this.ds.query(
      `SELECT id, platform, name FROM core.shops WHERE merchant_id = $1 AND status = 'active' AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[])) ORDER BY platform, name, id`,
      [merchantId, ids ?? null],
    );
  }

  /**
   * Which of these product ids are the merchant's catalog products. A read of catalog-sync's table (same database,
   * read only; docs/adr/0011): a campaign never stores another merchant's product.
   */
  async ownProductIds(merchantId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM catalog_sync.products WHERE merchant_id = $1 AND id = ANY($2::uuid[])`, [merchantId, ids]);
    return new Set(rows.map((r) => r.id));
  }

  async insertCampaign(m: EntityManager, merchantId: string, c: CampaignInput): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO coupon.campaigns (merchant_id, external_key, name, description, kind, threshold_fen, amount_fen, rate_permille, max_discount_fen,
         total_quantity, per_user_limit, claim_starts_at, claim_ends_at, validity_kind, valid_from, valid_until, valid_days,
         scope, product_ids, audience, member_level, crowd_tags, live_label, live_starts_at, live_ends_at, budget_fen)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::uuid[], $20, $21, $22::text[], $23, $24, $25, $26)
       ON CONFLICT (merchant_id, external_key) WHERE external_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        merchantId, c.externalKey, c.name, c.description, c.kind, c.thresholdFen, c.amountFen, c.ratePermille, c.maxDiscountFen,
        c.totalQuantity, c.perUserLimit, c.claimStartsAt, c.claimEndsAt, c.validity.kind, c.validity.from, c.validity.until, c.validity.days,
        c.scope, c.productIds, c.audience, c.memberLevel, c.crowdTags, c.liveSession?.label ?? null, c.liveSession?.startsAt ?? null, c.liveSession?.endsAt ?? null, c.budgetFen,
      ],
    );
    return rows[0]?.id ?? null;
  }

  async insertShops(m: EntityManager, merchantId: string, campaignId: string, shops: readonly ShopRowInput[]): Promise<void> {
    if (shops.length === 0) return;
    await m.query(
      `INSERT INTO coupon.campaign_shops (campaign_id, merchant_id, shop_id, platform, state, reason, warnings, api, idempotency_key)
       SELECT $1, $2, x.shop_id, x.platform, x.state, x.reason, ARRAY(SELECT jsonb_array_elements_text(x.warnings)), x.api, x.idempotency_key
         FROM jsonb_to_recordset($3::jsonb) AS x(shop_id uuid, platform text, state text, reason text, warnings jsonb, api text, idempotency_key text)`,
      [
        campaignId,
        merchantId,
        JSON.stringify(shops.map((s) => ({ shop_id: s.shopId, platform: s.platform, state: s.state, reason: s.reason, warnings: s.warnings, api: s.api, idempotency_key: s.idempotencyKey }))),
      ],
    );
  }

  async findByExternalKey(merchantId: string, externalKey: string): Promise<string | null> {
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM coupon.campaigns WHERE merchant_id = $1 AND external_key = $2`, [merchantId, externalKey]);
    return rows[0]?.id ?? null;
  }

  async get(merchantId: string, id: string, m: EntityManager | DataSource = this.ds, lock = false): Promise<CampaignRecord | null> {
    const rows = await m.query(`SELECT ${CAMPAIGN_COLS} FROM coupon.campaigns c WHERE c.merchant_id = $1 AND c.id = $2${lock ? ' FOR UPDATE' : ''}`, [merchantId, id]);
    return rows[0] ? toCampaign(rows[0]) : null;
  }

  async list(merchantId: string, status?: string, limit = 100): Promise<CampaignRecord[]> {
    const rows = await this.ds.query(
      `SELECT ${CAMPAIGN_COLS} FROM coupon.campaigns c WHERE c.merchant_id = $1 AND ($2::text IS NULL OR c.status = $2) ORDER BY c.created_at DESC, c.id LIMIT $3`,
      [merchantId, status ?? null, limit],
    );
    return rows.map(toCampaign);
  }

  async shopsOfCampaigns(merchantId: string, campaignIds: readonly string[], m: EntityManager | DataSource = this.ds): Promise<CampaignShopRecord[]> {
    if (campaignIds.length === 0) return [];
    const rows = await m.query(
      `SELECT ${SHOP_COLS} FROM coupon.campaign_shops s WHERE s.merchant_id = $1 AND s.campaign_id = ANY($2::uuid[]) ORDER BY s.platform, s.shop_id`,
      [merchantId, campaignIds],
    );
    return rows.map(toShop);
  }

  async setStatus(m: EntityManager, merchantId: string, id: string, status: CampaignStatus, stamp: 'started_at' | 'stopped_at' | null): Promise<void> {
    await m.query(
      `UPDATE coupon.campaigns SET status = $3, version = version + 1, updated_at = now()${stamp ? `, ${stamp} = now()` : ''} WHERE merchant_id = $1 AND id = $2`,
      [merchantId, id, status],
    );
  }

  async updateFigures(m: EntityManager, merchantId: string, id: string, patch: { totalQuantity?: number; budgetFen?: number }): Promise<void> {
    await m.query(
      `UPDATE coupon.campaigns SET total_quantity = COALESCE($3, total_quantity), budget_fen = COALESCE($4, budget_fen), version = version + 1, updated_at = now()
        WHERE merchant_id = $1 AND id = $2`,
      [merchantId, id, patch.totalQuantity ?? null, patch.budgetFen ?? null],
    );
  }

  /** moves the campaign's shops in `from` to `to` (with a reason when given); returns the shops moved */
  async moveShops(
    m: EntityManager,
    merchantId: string,
    campaignId: string,
    from: readonly CampaignShopState[],
    to: CampaignShopState,
    opts: { reason?: string | null; shopIds?: readonly string[]; clearReason?: boolean } = {},
  ): Promise<string[]> {
    const res = await m.query(
      `UPDATE coupon.campaign_shops SET state = $4, reason = CASE WHEN $7 THEN NULL ELSE COALESCE($5, reason) END, updated_at = now()
        WHERE merchant_id = $1 AND campaign_id = $2 AND state = ANY($3::text[]) AND ($6::uuid[] IS NULL OR shop_id = ANY($6::uuid[]))
        RETURNING shop_id AS "shopId"`,
      [merchantId, campaignId, from, to, opts.reason ?? null, opts.shopIds ?? null, opts.clearReason ?? false],
    );
    return rowsOf<{ shopId: string }>(res).map((r) => r.shopId);
  }
}
