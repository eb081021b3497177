export type PriceTierKind = 'early_bird' | 'regular' | 'flash_sale';

export interface TierWindow {
  id?: string;
  kind: PriceTierKind;
  priceFen: number;
  startsAt: Date;
  endsAt: Date;
}

export interface RuleViolation {
  field: string;
  message: string;
}

/**
 * Rules for new tiers of one SKU, checked against each other and the SKU's live tiers:
 * start before end, start in the future, no overlapping windows, flash-sale price below the regular
 * price (the SKU's sale price and every regular tier's price).
 */
export function checkTiers(tiers: TierWindow[], existing: TierWindow[], basePriceFen: number, now: Date): RuleViolation[] {
  const out: RuleViolation[] = [];
  const regularPrices = [basePriceFen, ...existing.filter((t) => t.kind === 'regular').map((t) => t.priceFen), ...tiers.filter((t) => t.kind === 'regular').map((t) => t.priceFen)];
  const regular = Math.min(...regularPrices);
  tiers.forEach((t, i) => {
    const f = (name: string) => `tiers.${i}.${name}`;
    if (!(t.startsAt < t.endsAt)) out.push({ field: f('endsAt'), message: 'must be after startsAt' });
    if (!(t.startsAt > now)) out.push({ field: f('startsAt'), message: 'must be in the future' });
    if (t.kind === 'flash_sale' && !(t.priceFen < regular)) out.push({ field: f('priceFen'), message: `flash-sale price must be below the regular price ${regular}` });
    for (const e of existing) {
      if (overlaps(t, e)) out.push({ field: f('startsAt'), message: `window overlaps ${e.kind} tier ${e.id ?? ''} (${e.startsAt.toISOString()} - ${e.endsAt.toISOString()})`.replace('  ', ' ') });
    }
    tiers.forEach((o, j) => {
      if (j < i && overlaps(t, o)) out.push({ field: f('startsAt'), message: `window overlaps tiers.${j}` });
    });
  });
  return out;
}

/** half-open windows [start, end): a tier may start exactly when another ends */
export function overlaps(a: TierWindow, b: TierWindow): boolean {
  return a.startsAt < b.endsAt && b.startsAt < a.endsAt;
}

/** the price in force at `at`: the tier covering it, else the SKU's own sale price */
export function priceAt(tiers: TierWindow[], basePriceFen: number, at: Date): { priceFen: number; tier: TierWindow | null } {
  const t = tiers.find((x) => x.startsAt <= at && at < x.endsAt);
  return t ? { priceFen: t.priceFen, tier: t } : { priceFen: basePriceFen, tier: null };
}

/** the next boundary after `now` and the price from then on */
export function nextChange(tiers: TierWindow[], basePriceFen: number, now: Date): { at: Date; priceFen: number; tier: TierWindow | null } | null {
  const times = tiers.flatMap((t) => [t.startsAt, t.endsAt]).filter((d) => d > now).sort((a, b) => a.getTime() - b.getTime());
  for (const at of times) {
    const next = priceAt(tiers, basePriceFen, at);
    if (next.priceFen !== priceAt(tiers, basePriceFen, now).priceFen || next.tier !== priceAt(tiers, basePriceFen, now).tier) return { at, ...next };
  }
  return null;
}
