import type { Platform } from '@app/contracts';
import { platformRegistry, type ListingRules, type ProductListing } from '@app/platforms';

/**
 * Per-platform listing limits checked before any push: each platform's manifest `listingRules`
 * (libs/platforms/src/<platform>/<platform>.manifest.ts, where the assumptions are noted). Here only the
 * checks; an unknown platform throws (UnknownPlatformError), it never borrows another platform's rules.
 *  - All: a category id and at least one image.
 */
export type PlatformRules = ListingRules;

/** the rules of a registered platform */
export function rulesOf(platform: Platform): PlatformRules {
  return platformRegistry.get(platform).listingRules;
}

export interface LimitViolation {
  platform: Platform;
  field: string;
  rule: 'title_length' | 'required_attribute' | 'price_min' | 'price_max' | 'price_not_below_original' | 'category_required' | 'images_required';
  message: string;
}

/** Title length as the platform counts it. */
export function titleLength(title: string, mode: PlatformRules['titleCount']): number {
  let n = 0;
  for (const ch of title) n += mode === 'gbk_width' && ch.codePointAt(0)! > 0x7f ? 2 : 1;
  return n;
}

export function checkPlatformLimits(platform: Platform, listing: ProductListing, titleField = 'title'): LimitViolation[] {
  const r = rulesOf(platform);
  const out: LimitViolation[] = [];
  const len = titleLength(listing.title, r.titleCount);
  if (len > r.titleMax) {
    out.push({
      platform,
      field: titleField,
      rule: 'title_length',
      message: `title is ${len} ${r.titleCount === 'gbk_width' ? 'bytes (CJK = 2)' : 'characters'}; ${platform} allows ${r.titleMax}`,
    });
  }
  if (!listing.categoryId) out.push({ platform, field: 'category', rule: 'category_required', message: `${platform} needs a category id` });
  if (listing.images.length === 0) out.push({ platform, field: 'images', rule: 'images_required', message: `${platform} needs at least one image` });
  for (const a of r.requiredAttributes) {
    if (!listing.attributes[a]?.trim()) out.push({ platform, field: `attributes.${a}`, rule: 'required_attribute', message: `${platform} requires attribute ${a}` });
  }
  for (const s of listing.skus) {
    const f = `skus[${s.skuCode}].salePriceFen`;
    if (s.priceFen < r.minPriceFen) out.push({ platform, field: f, rule: 'price_min', message: `${platform} needs a price of at least ${r.minPriceFen} fen, got ${s.priceFen}` });
    if (r.maxPriceFen !== null && s.priceFen > r.maxPriceFen) {
      out.push({ platform, field: f, rule: 'price_max', message: `${platform} allows at most ${r.maxPriceFen} fen, got ${s.priceFen}` });
    }
    if (r.salePriceBelowOriginal && !(s.priceFen < s.originalPriceFen)) {
      out.push({
        platform,
        field: f,
        rule: 'price_not_below_original',
        message: `${platform} needs the sale price (${s.priceFen}) below the original price (${s.originalPriceFen})`,
      });
    }
  }
  return out;
}
