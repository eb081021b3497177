export const PLATFORMS = ['douyin', 'taobao', 'xiaohongshu'] as const;
export type Platform = (typeof PLATFORMS)[number];

export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}

/** Roles an API key may carry. */
export const ROLES = ['admin', 'merchandiser', 'ops', 'erp'] as const;
export type Role = (typeof ROLES)[number];

export const SHOP_STATUSES = ['active', 'needs_reauth', 'disabled'] as const;
export type ShopStatus = (typeof SHOP_STATUSES)[number];
