/**
 * A platform's name ('douyin', 'taobao', ...). Contracts depend on nothing, so the list of platforms is
 * not here: it is the registry in @app/platforms (libs/platforms/src/registry.ts), and every edge (API
 * DTOs, env, job payloads, the platforms table) validates a name against it (platformRegistry.assert /
 * isPlatform from @app/platforms). See docs/adr/0003-platform-registry.md.
 */
export type Platform = string;

/** A name that could be a platform's (syntax only; whether it is registered is the registry's call). */
export const PLATFORM_NAME_PATTERN = /^[a-z][a-z0-9_]{1,31}$/;

/** Thrown for a platform name the registry does not know: never fall back to some other platform. */
export class UnknownPlatformError extends Error {
  constructor(
    readonly platform: string,
    readonly known: readonly string[],
    /** the input field that named it (API field, env variable, job payload key) */
    readonly field = 'platform',
  ) {
    super(`${field}: unknown platform ${JSON.stringify(platform)}; must be one of: ${known.join(', ')}`);
    this.name = 'UnknownPlatformError';
  }
}

/** Roles an API key may carry. */
export const ROLES = ['admin', 'merchandiser', 'ops', 'erp'] as const;
export type Role = (typeof ROLES)[number];

export const SHOP_STATUSES = ['active', 'needs_reauth', 'disabled'] as const;
export type ShopStatus = (typeof SHOP_STATUSES)[number];
