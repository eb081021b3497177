import { parsePlatformApps, type OperatorApp, type Platform } from '@app/contracts';
import { platformRegistry } from './registry';

/**
 * The platform settings only the operator sets (env), never a merchant: each platform's API base URL
 * (PLATFORM_BASE_URL_<PLATFORM>), its authorisation page (PLATFORM_AUTHORIZE_URL_<PLATFORM>), and the
 * operator's own service-provider (ISV) apps (PLATFORM_APPS), whose secrets live only here.
 */

/** Production API hosts (origin only; adapters append their own path): each manifest's productionBaseUrl. */
export const PLATFORM_PRODUCTION_BASE_URL: Record<Platform, string> = Object.fromEntries(platformRegistry.all().map((m) => [m.name, m.productionBaseUrl]));

/** Production authorisation pages: each manifest's productionAuthorizeUrl. */
export const PLATFORM_PRODUCTION_AUTHORIZE_URL: Record<Platform, string> = Object.fromEntries(platformRegistry.all().map((m) => [m.name, m.productionAuthorizeUrl]));

/** DI token of PlatformOperatorConfig. */
export const PLATFORM_OPERATOR_CONFIG = Symbol('PLATFORM_OPERATOR_CONFIG');

export class PlatformOperatorConfig {
  private readonly apps = new Map<string, OperatorApp>();

  constructor(
    readonly baseUrls: Readonly<Record<Platform, string>>,
    readonly authorizeUrls: Readonly<Record<Platform, string>>,
    apps: readonly OperatorApp[],
  ) {
    for (const a of apps) this.apps.set(`${a.platform}/${a.appKey}`, a);
  }

  /** From validated env values (absent = production defaults, no ISV apps). */
  static fromEnv(get: (name: string) => string | undefined): PlatformOperatorConfig {
    const pick = (prefix: string, defaults: Record<Platform, string>) =>
      Object.fromEntries(platformRegistry.names().map((p) => [p, stripTrailingSlash(get(`${prefix}${p.toUpperCase()}`) || defaults[p])])) as Record<Platform, string>;
    const raw = get('PLATFORM_APPS');
    return new PlatformOperatorConfig(
      pick('PLATFORM_BASE_URL_', PLATFORM_PRODUCTION_BASE_URL),
      pick('PLATFORM_AUTHORIZE_URL_', PLATFORM_PRODUCTION_AUTHORIZE_URL),
      raw ? parsePlatformApps(raw, (n) => platformRegistry.has(n), platformRegistry.names()) : [],
    );
  }

  baseUrl(platform: Platform): string {
    return this.baseUrls[platform];
  }

  /** the operator's ISV app with this key, or null (then it can only be a merchant's own app) */
  operatorApp(platform: Platform, appKey: string): OperatorApp | null {
    return this.apps.get(`${platform}/${appKey}`) ?? null;
  }

  /** the first configured ISV app of a platform (the default for OAuth onboarding) */
  defaultOperatorApp(platform: Platform): OperatorApp | null {
    for (const a of this.apps.values()) if (a.platform === platform) return a;
    return null;
  }
}

export function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
export type { OperatorApp } from '@app/contracts';
