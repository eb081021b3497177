import type { CouponCapability } from './coupon-capability';
import type { PlatformAdapterDeps } from './http';
import type { PlatformAdapter } from './platform-adapter.port';

/**
 * Everything the rest of omnisync knows about one platform, exported by the platform's own folder
 * (`<platform>/<platform>.manifest.ts`) and listed once in ./registry.ts. Apps read platform facts from
 * here (through the registry), never from their own lists. The platform's simulator is registered on the
 * sandbox side (libs/sandbox/src/registry.ts), so this library does not depend on the sandbox.
 */

/** How orders reach us: pushed over HTTP to POST /webhooks/:platform, a TMC-style message channel, or poll only. */
export type OrderIntake = 'push' | 'tmc' | 'poll';

/** Listing limits checked before a publish (catalog-sync compliance). */
export interface ListingRules {
  titleMax: number;
  /** gbk_width: a CJK character counts 2, ASCII 1; chars: each character 1 */
  titleCount: 'gbk_width' | 'chars';
  /** attributes the platform requires on every listing */
  requiredAttributes: readonly string[];
  /** attribute value limits, by attribute name (absent = no limit known) */
  attributeMaxLength?: Readonly<Record<string, number>>;
  minPriceFen: number;
  maxPriceFen: number | null;
  /** true when the sale price must be strictly below the original (list) price */
  salePriceBelowOriginal: boolean;
}

/** The query parameters of the platform's OAuth authorisation page. */
export interface AuthorizeParams {
  appKey: string;
  redirectUri: string;
  state: string;
}

/** A platform's published QPS limit of one API method: per app (all shops together) and per user (one shop). */
export interface ApiQpsLimit {
  perApp: number;
  perUser: number;
}

export interface PlatformManifest<A extends PlatformAdapter = PlatformAdapter> {
  /** lower-case identifier: the platform's name in URLs, rows, env names (upper-cased) and metrics */
  readonly name: string;
  /** human name for logs and docs */
  readonly displayName: string;
  /** the adapter class (also its Nest injection token) */
  readonly adapter: abstract new (...args: never[]) => A;
  /**
   * Builds the adapter. `options` is the platform's entry of PlatformsModuleOptions.platformOptions
   * (e.g. Taobao's TaobaoAdapterOptions); undefined when the app gives none.
   */
  createAdapter(deps: PlatformAdapterDeps, options?: unknown): A;
  /** how orders reach us; 'push' platforms get POST /webhooks/<name> (verified by the adapter's verifyPush) */
  readonly orderIntake: OrderIntake;
  /**
   * true when the platform's stock delta API deduplicates by an idempotency id: stock is pushed there as a
   * delta; elsewhere as a full overwrite (a retried delta without dedupe would apply twice).
   */
  readonly stockDeltaIdempotent: boolean;
  /** production API hosts: the only hosts the outbound URL policy lets this platform's calls reach */
  readonly productionHosts: readonly string[];
  /** production API base URL (origin; adapters append their own path); PLATFORM_BASE_URL_<NAME> overrides it */
  readonly productionBaseUrl: string;
  /** production OAuth authorisation page; PLATFORM_AUTHORIZE_URL_<NAME> overrides it */
  readonly productionAuthorizeUrl: string;
  /** sets the authorisation page's query parameters (each platform names them its own way) */
  authorizeQuery(q: URLSearchParams, p: AuthorizeParams): void;
  /** listing limits for compliance */
  readonly listingRules: ListingRules;
  /** the platform's order status codes -> our canonical status, when apps need to show them (optional) */
  readonly statusMap?: Readonly<Record<string, string>>;
  /**
   * published per-API QPS limits by API method (optional): the shared rate limiter keeps each shop's calls of that
   * method at or below perUser (and below PLATFORM_QPS_PER_SHOP); see platformQpsFor in ./registry.ts
   */
  readonly apiQps?: Readonly<Record<string, ApiQpsLimit>>;
  /** what the platform can do with coupons, API by API, confirmed or not (apps/coupon; coupon-capability.ts) */
  readonly coupons: CouponCapability;
}

/** The registry's own check of a manifest: a name that is safe in URLs, SQL values and env names. */
export const PLATFORM_NAME = /^[a-z][a-z0-9_]{1,31}$/;
