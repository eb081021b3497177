/**
 * Coupon campaign vocabulary shared by apps/coupon (the campaigns), libs/platforms (each platform's coupon
 * capability) and the gateway's OpenAPI schemas. Stored values: never rename one.
 */

/** threshold 满减 (spend >= threshold, get amount off), direct 立减 (amount off, no threshold), discount 折扣 (a rate, capped) */
export const COUPON_KINDS = ['threshold', 'direct', 'discount'] as const;
export type CouponKind = (typeof COUPON_KINDS)[number];

/** who may claim: everyone, new customers of the shop, followers / fans, a member level, the merchant's own crowd tags */
export const COUPON_AUDIENCES = ['everyone', 'new_customers', 'followers', 'member_level', 'crowd_tags'] as const;
export type CouponAudience = (typeof COUPON_AUDIENCES)[number];

/** fixed: valid between validFrom and validUntil; after_claim: valid for validDays days from the claim */
export const COUPON_VALIDITY_KINDS = ['fixed', 'after_claim'] as const;
export type CouponValidityKind = (typeof COUPON_VALIDITY_KINDS)[number];

/** shop: every product of the shop; products: the listed products (our product ids) */
export const COUPON_SCOPES = ['shop', 'products'] as const;
export type CouponScope = (typeof COUPON_SCOPES)[number];

/**
 * A campaign's lifecycle: draft -> scheduled (started, claim window not open yet) -> active -> stopped (by the
 * merchant) / exhausted (quantity or budget spent) / ended (claim window over). The three last are final.
 */
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'active', 'stopped', 'exhausted', 'ended'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * One shop's side of a campaign:
 *   pending      the platform can take it by API; nothing sent yet (draft, or start not worked yet)
 *   creating     a create job is queued / running
 *   created      the platform holds the coupon (platformCouponId), read back
 *   stopping     a stop job is queued / running
 *   stopped      the platform acknowledged the stop
 *   manual       the merchant has to do it in the platform's own backend (no API, or an unconfirmed one behind its flag); reason says what
 *   unsupported  the platform cannot carry this campaign as defined (kind, audience, scope); reason says which part
 *   failed       the platform refused for good (lastError)
 */
export const CAMPAIGN_SHOP_STATES = ['pending', 'creating', 'created', 'stopping', 'stopped', 'manual', 'unsupported', 'failed'] as const;
export type CampaignShopState = (typeof CAMPAIGN_SHOP_STATES)[number];
