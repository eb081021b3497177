import type { Platform } from '@app/contracts';
import type { ProductListing } from '@app/platforms';

/**
 * Per-platform listing limits checked before any push. ASSUMPTIONS (documented platform rules as we
 * understand them; adjust here, nowhere else):
 *  - Taobao: title at most 60 bytes counted GBK-style (a CJK character = 2, ASCII = 1), i.e. 30 Chinese
 *    characters ("宝贝标题最多60个字节"); every SKU price > 0; brand attribute 品牌 required.
 *  - Douyin (抖店): title at most 30 Chinese characters, counted like Taobao (60 width units); price > 0;
 *    brand attribute 品牌 required.
 *  - Xiaohongshu: title at most 50 characters (each character 1); sale price strictly below the original
 *    (list) price, and at most 10,000,000 fen (100,000 yuan).
 *  - All: a category id and at least one image.
 */
export interface PlatformRules {
  titleMax: number;
  titleCount: 'gbk_width' | 'chars';
  requiredAttributes: string[];
  minPriceFen: number;
  maxPriceFen: number | null;
  salePriceBelowOriginal: boolean;
}

export const PLATFORM_RULES: Record<Platform, PlatformRules> = {
  taobao: { titleMax: 60, titleCount: 'gbk_width', requiredAttributes: ['品牌'], minPriceFen: 1, maxPriceFen: null, salePriceBelowOriginal: false },
  douyin: { titleMax: 60, titleCount: 'gbk_width', requiredAttributes: ['品牌'], minPriceFen: 1, maxPriceFen: null, salePriceBelowOriginal: false },
  xiaohongshu: { titleMax: 50, titleCount: 'chars', requiredAttributes: [], minPriceFen: 1, maxPriceFen: 10_000_000, salePriceBelowOriginal: true },
};

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
  const r = PLATFORM_RULES[platform];
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
