import type { CampaignShopState } from '@app/contracts';
import type { CouponApiFact, CouponCapability } from '@app/platforms';

/** The parts of a campaign that decide whether a platform can carry it. */
export interface PlanInput {
  kind: 'threshold' | 'direct' | 'discount';
  amountFen: number | null;
  thresholdFen: number | null;
  scope: 'shop' | 'products';
  audience: 'everyone' | 'new_customers' | 'followers' | 'member_level' | 'crowd_tags';
  validityKind: 'fixed' | 'after_claim';
}

export interface PlatformPlan {
  /** pending (the platform takes it by API), manual (the merchant does it in the platform backend), unsupported */
  state: Extract<CampaignShopState, 'pending' | 'manual' | 'unsupported'>;
  /** why manual / unsupported (null when pending) */
  reason: string | null;
  /** what the platform will not enforce although the campaign asks for it */
  warnings: string[];
  /** the create API (null when there is none) */
  api: string | null;
  /** true when the platform can stop it by API (else a stop becomes `manual` on that shop) */
  canStop: boolean;
}

export interface PlanFlags {
  /** COUPON_UNCONFIRMED_APIS_ENABLED: use APIs the facts document does not confirm */
  unconfirmedApis: boolean;
}

/**
 * One platform's side of a campaign, from the platform's manifest (its coupon capability). Never a pretend
 * success: no API -> manual with the platform's own reason; an API the facts do not confirm while the flag is off ->
 * manual naming it; a kind, audience, scope or face value the API cannot express -> unsupported naming which.
 * Every reason is collected, so the merchant sees all of them at once.
 */
export function planFor(platform: string, cap: CouponCapability, c: PlanInput, flags: PlanFlags): PlatformPlan {
  if (cap.operations === null) return { state: 'manual', reason: cap.missingReason ?? `${platform} has no coupon API`, warnings: [], api: null, canStop: false };
  const create = cap.operations.create;
  if (!create) return { state: 'manual', reason: cap.missing?.create ?? `${platform} has no coupon create API`, warnings: [], api: null, canStop: false };

  const unsupported: string[] = [];
  const unconfirmed: CouponApiFact[] = [];
  const kind = cap.kinds[c.kind];
  if (!kind) unsupported.push(`kind ${c.kind}: ${cap.kindGaps?.[c.kind] ?? 'not expressible'}`);
  const audience = cap.audiences[c.audience];
  if (!audience) unsupported.push(`audience ${c.audience}: ${cap.audienceGaps?.[c.audience] ?? 'not targetable'}`);
  if (c.scope === 'products' && !cap.productScope) unsupported.push(`scope products: ${create.api} makes shop-wide coupons only`);
  if (cap.denominationsFen && c.amountFen !== null && !cap.denominationsFen.includes(c.amountFen)) {
    unsupported.push(`amountFen ${c.amountFen}: ${create.api} takes only ${cap.denominationsFen.map((f) => `${f / 100} yuan`).join(', ')}`);
  }
  if (cap.amountUnit === 'yuan') {
    for (const [field, v] of [['amountFen', c.amountFen], ['thresholdFen', c.thresholdFen]] as const) {
      if (v !== null && v % 100 !== 0) unsupported.push(`${field} ${v}: ${create.api} takes whole yuan`);
    }
  }
  if (unsupported.length > 0) return { state: 'unsupported', reason: unsupported.join('; '), warnings: [], api: create.api, canStop: false };

  for (const f of [create, kind, audience]) if (f && !f.confirmed && !unconfirmed.includes(f)) unconfirmed.push(f);
  const warnings = [...cap.cannotCarry.filter((w) => c.validityKind === 'after_claim' || w !== 'validity after claim').map((w) => `${create.api} cannot carry ${w}`)];
  const stop = cap.operations.stop;
  if (!stop) warnings.push(`no stop API: ${cap.missing?.stop ?? 'the coupon runs to its end'}`);
  if (unconfirmed.length > 0 && !flags.unconfirmedApis) {
    return {
      state: 'manual',
      reason: `unconfirmed API (${unconfirmed.map((f) => f.api).join(', ')}) and COUPON_UNCONFIRMED_APIS_ENABLED is off: create the coupon in the ${platform} merchant backend`,
      warnings,
      api: create.api,
      canStop: false,
    };
  }
  const canStop = !!stop && (stop.confirmed || flags.unconfirmedApis);
  return { state: 'pending', reason: null, warnings, api: create.api, canStop };
}
