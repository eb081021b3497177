import type { CampaignShopState, CampaignStatus, CouponAudience, CouponKind, CouponScope, CouponValidityKind, Platform } from '@app/contracts';

/** A campaign as stored (coupon.campaigns), times as ISO strings, amounts as numbers of fen. */
export interface CampaignRecord {
  id: string;
  merchantId: string;
  externalKey: string | null;
  name: string;
  description: string;
  kind: CouponKind;
  thresholdFen: number | null;
  amountFen: number | null;
  ratePermille: number | null;
  maxDiscountFen: number | null;
  totalQuantity: number;
  perUserLimit: number;
  claimStartsAt: string;
  claimEndsAt: string;
  validity: { kind: CouponValidityKind; from: string | null; until: string | null; days: number | null };
  scope: CouponScope;
  productIds: string[];
  audience: CouponAudience;
  memberLevel: number | null;
  crowdTags: string[];
  liveSession: { label: string; startsAt: string; endsAt: string } | null;
  budgetFen: number;
  /** as stored; what the API shows is statusAt(record, now) */
  status: CampaignStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
}

/** What a create writes (the service fills in the defaults). */
export type CampaignInput = Omit<CampaignRecord, 'id' | 'merchantId' | 'status' | 'version' | 'createdAt' | 'updatedAt' | 'startedAt' | 'stoppedAt'>;

/** One shop's side of a campaign (coupon.campaign_shops). */
export interface CampaignShopRecord {
  campaignId: string;
  shopId: string;
  platform: Platform;
  state: CampaignShopState;
  reason: string | null;
  warnings: string[];
  /** the platform API it goes (or would go) through */
  api: string | null;
  idempotencyKey: string;
  platformCouponId: string | null;
  /** the coupon total the platform holds (null until created) */
  platformQuantity: number | null;
  lastError: string | null;
  attempts: number;
  updatedAt: string;
  /**
   * The last reconcile with the platform's usage statistics (RedemptionReconciler): what the platform counted as
   * used, what we had counted for this shop then; null until checked (or where the platform has no such API).
   */
  usage: { platformUsed: number | null; counted: number; checkedAt: string } | null;
}

export interface ShopRef {
  id: string;
  platform: Platform;
  name: string;
}
