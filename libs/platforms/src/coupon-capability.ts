import { COUPON_AUDIENCES, COUPON_KINDS, type CouponAudience, type CouponKind } from '@app/contracts';

/**
 * What a platform can do with coupons through its open API, stated in the platform's manifest
 * (`coupons`), with the API and whether ../shared/platforms/MARKETING-KUAISHOU-ALERTS.md marks it confirmed.
 * apps/coupon computes each campaign's per-shop state from it (supported / manual / unsupported, with the
 * reason); an unconfirmed API is used only while the operator's flag (COUPON_UNCONFIRMED_APIS_ENABLED) is on.
 */

/** one platform API that does something */
export interface CouponApiFact {
  /** the platform's method name, e.g. `taobao.promotion.coupon.add` */
  api: string;
  /** true when the facts document marks it [C] and nothing contradicts it; false for [U] / [C-weak] / current availability unknown */
  confirmed: boolean;
  /** what to know about it (units, limits, caveats) */
  note?: string;
}

export const COUPON_OPERATIONS = ['create', 'stop', 'changeStock', 'issueToUser', 'readUsage', 'readBack'] as const;
/**
 * create: make the coupon batch; stop: end it before its window; changeStock: change its total quantity;
 * issueToUser: give one to a named buyer; readUsage: read remaining / claimed / used figures;
 * readBack: find a coupon we created (by the idempotency key or its fields) after a lost answer.
 */
export type CouponOperation = (typeof COUPON_OPERATIONS)[number];

export interface CouponCapability {
  /**
   * null when the platform has no public coupon API at all; then `missingReason` says so. Otherwise the API of
   * each operation it has (an absent operation: no API for it; `missing` says what to do instead).
   */
  readonly operations: Readonly<Partial<Record<CouponOperation, CouponApiFact>>> | null;
  /** why the platform has no coupon API (when operations is null) */
  readonly missingReason?: string;
  /** for each operation without an API: what the merchant does instead (shown as the `manual` reason) */
  readonly missing?: Readonly<Partial<Record<CouponOperation, string>>>;
  /** the kinds the create API can express (absent: not expressible, with the reason in `kindGaps`) */
  readonly kinds: Readonly<Partial<Record<CouponKind, CouponApiFact>>>;
  readonly kindGaps?: Readonly<Partial<Record<CouponKind, string>>>;
  /** the audiences the platform can target for such a coupon (absent: unsupported, reason in `audienceGaps`) */
  readonly audiences: Readonly<Partial<Record<CouponAudience, CouponApiFact>>>;
  readonly audienceGaps?: Readonly<Partial<Record<CouponAudience, string>>>;
  /** true when the create API can limit the coupon to listed products (else shop-wide only) */
  readonly productScope: boolean;
  /** what the create API cannot carry of a campaign (quantity, per-user limit, validity after claim...): shown as warnings */
  readonly cannotCarry: readonly string[];
  /** the platform's own idempotency key for create, if any (else a lost create answer is resolved by readBack) */
  readonly createIdempotencyKey: string | null;
  /** unit of the create API's amounts */
  readonly amountUnit: 'fen' | 'yuan' | null;
  /** allowed face values in fen (Taobao: 3/5/10/20/50/100 yuan); null = any */
  readonly denominationsFen: readonly number[] | null;
}

/** What is missing or malformed in a coupon capability (empty = complete); part of the registry's manifest check. */
export function couponCapabilityProblems(c: CouponCapability | undefined): string[] {
  if (!c || typeof c !== 'object') return ['coupons missing'];
  const out: string[] = [];
  if (c.operations === null) {
    if (!c.missingReason) out.push('coupons.missingReason must say why there is no coupon API');
  } else if (typeof c.operations !== 'object') out.push('coupons.operations must be an object or null');
  else {
    for (const [op, fact] of Object.entries(c.operations)) {
      if (!(COUPON_OPERATIONS as readonly string[]).includes(op)) out.push(`coupons.operations.${op} is not an operation`);
      if (!fact?.api || typeof fact.confirmed !== 'boolean') out.push(`coupons.operations.${op} needs api and confirmed`);
    }
    for (const op of COUPON_OPERATIONS) if (!c.operations[op] && !c.missing?.[op]) out.push(`coupons.missing.${op}: say what replaces the missing API`);
  }
  for (const k of COUPON_KINDS) if (c.operations && !c.kinds[k] && !c.kindGaps?.[k]) out.push(`coupons.kindGaps.${k} missing`);
  for (const a of COUPON_AUDIENCES) if (c.operations && !c.audiences[a] && !c.audienceGaps?.[a]) out.push(`coupons.audienceGaps.${a} missing`);
  if (typeof c.productScope !== 'boolean') out.push('coupons.productScope missing');
  if (!Array.isArray(c.cannotCarry)) out.push('coupons.cannotCarry must be a list');
  return out;
}
