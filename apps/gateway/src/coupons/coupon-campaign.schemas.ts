import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CAMPAIGN_SHOP_STATES, CAMPAIGN_STATUSES, COUPON_AUDIENCES, COUPON_KINDS, COUPON_SCOPES, COUPON_VALIDITY_KINDS } from '@app/contracts';

/**
 * OpenAPI schemas of the coupon campaign API. Documentation only: the gateway forwards the body as it came and
 * the coupon service validates it (its 400s name every bad field and pass through unchanged).
 */
export class CouponValiditySchema {
  @ApiProperty({ enum: COUPON_VALIDITY_KINDS })
  kind!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'kind fixed' })
  from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'kind fixed; not before claimEndsAt' })
  until?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 365, description: 'kind after_claim: valid this many days from the claim' })
  days?: number;
}

export class LiveSessionSchema {
  @ApiProperty({ maxLength: 60 })
  label!: string;
  @ApiProperty({ format: 'date-time' })
  startsAt!: string;
  @ApiProperty({ format: 'date-time' })
  endsAt!: string;
}

export class CreateCouponCampaignSchema {
  @ApiPropertyOptional({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: "the merchant's own key (a second create with it is a 409)" })
  externalKey?: string;
  @ApiProperty({ maxLength: 50, description: 'checked for banned words (422 naming them)' })
  name!: string;
  @ApiPropertyOptional({ maxLength: 500, description: 'checked for banned words' })
  description?: string;
  @ApiProperty({ enum: COUPON_KINDS, description: 'threshold 满减, direct 立减, discount 折扣 (with a cap)' })
  kind!: string;
  @ApiPropertyOptional({ description: 'fen; threshold (required), discount (optional)' })
  thresholdFen?: number;
  @ApiPropertyOptional({ description: 'fen off; threshold and direct; below thresholdFen' })
  amountFen?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 999, description: 'discount: per mille of the price paid, 850 = 8.5折' })
  ratePermille?: number;
  @ApiPropertyOptional({ description: 'discount: the cap in fen' })
  maxDiscountFen?: number;
  @ApiProperty({ minimum: 1 })
  totalQuantity!: number;
  @ApiProperty({ minimum: 1, description: 'not above totalQuantity' })
  perUserLimit!: number;
  @ApiProperty({ format: 'date-time' })
  claimStartsAt!: string;
  @ApiProperty({ format: 'date-time', description: 'after claimStartsAt and in the future' })
  claimEndsAt!: string;
  @ApiProperty({ type: CouponValiditySchema })
  validity!: CouponValiditySchema;
  @ApiProperty({ enum: COUPON_SCOPES })
  scope!: string;
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'scope products: our catalog product ids' })
  productIds?: string[];
  @ApiProperty({ enum: COUPON_AUDIENCES })
  audience!: string;
  @ApiPropertyOptional({ minimum: 0, maximum: 10, description: 'audience member_level' })
  memberLevel?: number;
  @ApiPropertyOptional({ type: [String], description: "audience crowd_tags: the merchant's own tags" })
  crowdTags?: string[];
  @ApiPropertyOptional({ type: LiveSessionSchema })
  liveSession?: LiveSessionSchema;
  @ApiProperty({ minimum: 1, description: 'fen' })
  budgetFen!: number;
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: "the merchant's shops to run it in (absent: every active shop)" })
  shopIds?: string[];
}

export class UpdateCouponCampaignSchema {
  @ApiPropertyOptional({ minimum: 1 })
  totalQuantity?: number;
  @ApiPropertyOptional({ minimum: 1, description: 'fen' })
  budgetFen?: number;
}

export class CouponCampaignPlatformSchema {
  @ApiProperty({ format: 'uuid' })
  shopId!: string;
  @ApiProperty()
  platform!: string;
  @ApiProperty({ enum: CAMPAIGN_SHOP_STATES })
  state!: string;
  @ApiProperty({ nullable: true, type: String, description: 'why manual / unsupported / not sent' })
  reason!: string | null;
  @ApiProperty({ type: [String], description: 'what the platform will not enforce' })
  warnings!: string[];
  @ApiProperty({ nullable: true, type: String, description: "the platform's API it goes through" })
  api!: string | null;
  @ApiProperty({ nullable: true, type: String })
  platformCouponId!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'the coupon total the platform holds (null until created; a PATCH of totalQuantity is added where the platform can)' })
  platformQuantity!: number | null;
  @ApiProperty({ nullable: true, type: String })
  lastError!: string | null;
  @ApiProperty({ nullable: true, type: () => CouponUsageCheckSchema, description: "the last reconcile with the platform's usage statistics (null: not checked, or no such API)" })
  usage!: CouponUsageCheckSchema | null;
}

export class CouponUsageCheckSchema {
  @ApiProperty({ nullable: true, type: Number, description: 'coupons the platform counts as used (null: its answer did not say)' })
  platformUsed!: number | null;
  @ApiProperty({ description: 'our redemptions on this shop at that moment' })
  counted!: number;
  @ApiProperty({ format: 'date-time' })
  checkedAt!: string;
}

export class CouponCampaignPlatformFiguresSchema {
  @ApiProperty()
  platform!: string;
  @ApiProperty({ description: 'coupon lines of paid orders on this platform attributed to the campaign, less those returned' })
  redemptions!: number;
  @ApiProperty({ description: 'redemptions given back by a refund or cancellation' })
  returned!: number;
  @ApiProperty({ description: 'discount of the redemptions (fen)' })
  spentFen!: number;
  @ApiProperty({ description: 'goods value (fen) of the orders that redeemed it' })
  gmvFen!: number;
}

export class CouponBudgetMarkSchema {
  @ApiProperty({ enum: [80, 100, 120] })
  pct!: number;
  @ApiProperty()
  spentFen!: number;
  @ApiProperty({ format: 'date-time' })
  crossedAt!: string;
}

export class CouponCampaignBudgetSchema {
  @ApiProperty()
  budgetFen!: number;
  @ApiProperty({ description: 'spentFen / budgetFen in %, one decimal' })
  spentPct!: number;
  @ApiProperty({ type: [CouponBudgetMarkSchema], description: 'the 80 / 100 / 120 % crossings (each alerts once)' })
  marks!: CouponBudgetMarkSchema[];
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'when the budget guard stopped the campaign (status exhausted)' })
  exhaustedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'the spend when the guard stopped it' })
  exhaustedSpentFen!: number | null;
  @ApiProperty({ description: 'spend beyond the budget (fen), 0 while under' })
  overshootFen!: number;
}

export class CouponCampaignFiguresSchema {
  @ApiProperty({ description: 'total quantity less redemptions (claimed but unused coupons count as remaining)' })
  remainingStock!: number;
  @ApiProperty()
  redemptions!: number;
  @ApiProperty()
  returned!: number;
  @ApiProperty()
  spentFen!: number;
  @ApiProperty()
  gmvFen!: number;
  @ApiProperty({ type: [CouponCampaignPlatformFiguresSchema] })
  byPlatform!: CouponCampaignPlatformFiguresSchema[];
  @ApiProperty({ type: CouponCampaignBudgetSchema })
  budget!: CouponCampaignBudgetSchema;
  @ApiProperty({ description: 'how the figures are counted' })
  note!: string;
}

export class CouponCampaignSchema extends CreateCouponCampaignSchema {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES })
  status!: string;
  @ApiProperty()
  version!: number;
  @ApiProperty({ type: [CouponCampaignPlatformSchema] })
  platforms!: CouponCampaignPlatformSchema[];
  @ApiProperty({ type: CouponCampaignFiguresSchema })
  figures!: CouponCampaignFiguresSchema;
}

export class CouponCampaignListSchema {
  @ApiProperty({ type: [CouponCampaignSchema] })
  campaigns!: CouponCampaignSchema[];
}
