import { UnknownPlatformError, type Platform } from '@app/contracts';
import { outboundPolicyFromEnv, platformBaseUrlsOf, type OutboundEnv, type OutboundPolicy } from '@app/net';
import { couponCapabilityProblems } from './coupon-capability';
import { douyinManifest } from './douyin/douyin.manifest';
import { kuaishouManifest } from './kuaishou/kuaishou.manifest';
import { PLATFORM_NAME, type PlatformManifest } from './platform-manifest';
import { taobaoManifest } from './taobao/taobao.manifest';
import { xiaohongshuManifest } from './xiaohongshu/xiaohongshu.manifest';

/**
 * THE list of platforms. Adding a platform = its adapter folder (libs/platforms/src/<name>/, exporting
 * `<name>Manifest`), its simulator folder (libs/sandbox/src/<name>/, exporting a simulator manifest listed
 * in libs/sandbox/src/registry.ts) and one line here.
 */
export const PLATFORM_MANIFESTS: readonly PlatformManifest[] = [
  douyinManifest,
  taobaoManifest,
  xiaohongshuManifest,
  kuaishouManifest,
];

/** Manifests by name; rejects duplicate and malformed names and incomplete manifests when built. */
export class PlatformRegistry {
  private readonly byName: ReadonlyMap<string, PlatformManifest>;

  constructor(manifests: readonly PlatformManifest[]) {
    const m = new Map<string, PlatformManifest>();
    for (const manifest of manifests) {
      const problems = manifestProblems(manifest);
      if (problems.length > 0) throw new Error(`platform manifest ${String(manifest?.name)}: ${problems.join('; ')}`);
      if (m.has(manifest.name)) throw new Error(`platform ${manifest.name} is registered twice`);
      m.set(manifest.name, manifest);
    }
    this.byName = m;
  }

  /** the manifest of a platform; throws UnknownPlatformError (naming the known ones) for any other name */
  get(name: string): PlatformManifest {
    const m = this.byName.get(name);
    if (!m) throw new UnknownPlatformError(name, this.names());
    return m;
  }

  has(name: unknown): name is Platform {
    return typeof name === 'string' && this.byName.has(name);
  }

  /** the name itself when registered; else UnknownPlatformError naming `field` */
  assert(name: unknown, field = 'platform'): Platform {
    if (this.has(name)) return name;
    throw new UnknownPlatformError(String(name), this.names(), field);
  }

  names(): Platform[] {
    return [...this.byName.keys()];
  }

  all(): PlatformManifest[] {
    return [...this.byName.values()];
  }

  /** platforms whose orders are pushed over HTTP (POST /webhooks/:platform) */
  pushPlatforms(): Platform[] {
    return this.all()
      .filter((m) => m.orderIntake === 'push')
      .map((m) => m.name);
  }

  /** production API hosts by platform (the outbound URL policy's platform hosts) */
  productionHosts(): Record<Platform, readonly string[]> {
    return Object.fromEntries(this.all().map((m) => [m.name, m.productionHosts]));
  }
}

/** What is missing or malformed in a manifest (empty = complete). */
export function manifestProblems(m: PlatformManifest): string[] {
  const out: string[] = [];
  if (!m || typeof m !== 'object') return ['not an object'];
  if (typeof m.name !== 'string' || !PLATFORM_NAME.test(m.name)) out.push(`name must match ${PLATFORM_NAME}`);
  if (typeof m.displayName !== 'string' || m.displayName.trim() === '') out.push('displayName missing');
  if (typeof m.adapter !== 'function') out.push('adapter class missing');
  if (typeof m.createAdapter !== 'function') out.push('createAdapter missing');
  if (!['push', 'tmc', 'poll'].includes(m.orderIntake)) out.push('orderIntake must be push, tmc or poll');
  if (typeof m.stockDeltaIdempotent !== 'boolean') out.push('stockDeltaIdempotent missing');
  if (!Array.isArray(m.productionHosts) || m.productionHosts.length === 0 || m.productionHosts.some((h) => typeof h !== 'string' || h === '' || h.includes('/'))) {
    out.push('productionHosts must be a non-empty list of host names');
  }
  for (const [k, v] of [
    ['productionBaseUrl', m.productionBaseUrl],
    ['productionAuthorizeUrl', m.productionAuthorizeUrl],
  ] as const) {
    if (typeof v !== 'string' || !/^https?:\/\//.test(v)) out.push(`${k} must be an http(s) URL`);
  }
  if (typeof m.productionBaseUrl === 'string' && Array.isArray(m.productionHosts)) {
    try {
      if (!m.productionHosts.includes(new URL(m.productionBaseUrl).hostname)) out.push('productionBaseUrl host is not in productionHosts');
    } catch {
      // reported above
    }
  }
  if (typeof m.authorizeQuery !== 'function') out.push('authorizeQuery missing');
  const r = m.listingRules;
  if (!r || typeof r !== 'object') out.push('listingRules missing');
  else {
    if (!(Number.isInteger(r.titleMax) && r.titleMax > 0)) out.push('listingRules.titleMax must be a positive integer');
    if (r.titleCount !== 'gbk_width' && r.titleCount !== 'chars') out.push('listingRules.titleCount must be gbk_width or chars');
    if (!Array.isArray(r.requiredAttributes)) out.push('listingRules.requiredAttributes must be a list');
    if (!(Number.isInteger(r.minPriceFen) && r.minPriceFen >= 0)) out.push('listingRules.minPriceFen must be an integer >= 0');
    if (r.maxPriceFen !== null && !(Number.isInteger(r.maxPriceFen) && r.maxPriceFen >= r.minPriceFen)) out.push('listingRules.maxPriceFen must be null or >= minPriceFen');
    if (typeof r.salePriceBelowOriginal !== 'boolean') out.push('listingRules.salePriceBelowOriginal missing');
  }
  if (m.apiQps !== undefined) {
    if (!m.apiQps || typeof m.apiQps !== 'object') out.push('apiQps must be an object by API method');
    else
      for (const [method, l] of Object.entries(m.apiQps)) {
        if (!l || !(Number.isFinite(l.perApp) && l.perApp > 0) || !(Number.isFinite(l.perUser) && l.perUser > 0)) out.push(`apiQps.${method} needs perApp and perUser > 0`);
      }
  }
  out.push(...couponCapabilityProblems(m.coupons));
  return out;
}

/** The registry of this build (every app reads platforms from here). */
export const platformRegistry = new PlatformRegistry(PLATFORM_MANIFESTS);

/** true when `value` names a registered platform */
export const isPlatform = (value: unknown): value is Platform => platformRegistry.has(value);

/** the registered platform names */
export const platformNames = (): Platform[] => platformRegistry.names();

/**
 * The limiter's per-key QPS from the manifests' apiQps tables: a key `<platform>:<shopId>:<method>` (qpsScope
 * 'api') of a method with a published limit gets min(perUser, defaultQps); every other key undefined (defaultQps).
 */
export function platformQpsFor(defaultQps: number, registry: PlatformRegistry = platformRegistry): (key: string) => number | undefined {
  return (key) => {
    const [platform, , ...rest] = key.split(':');
    if (rest.length === 0 || !registry.has(platform)) return undefined;
    const limit = registry.get(platform).apiQps?.[rest.join(':')];
    return limit ? Math.min(limit.perUser, defaultQps) : undefined;
  };
}

/** a complete manifest to copy in tests that register a made-up platform (spread it and change name) */
export const douyinManifestForTests: PlatformManifest = douyinManifest;

/**
 * An app's outbound URL policy with the registry's production hosts and PLATFORM_BASE_URL_<NAME> overrides
 * of every registered platform (what apps should call instead of @app/net's outboundPolicyFromEnv).
 */
export function platformOutboundPolicyFromEnv(env: OutboundEnv, registry: PlatformRegistry = platformRegistry): OutboundPolicy {
  return outboundPolicyFromEnv(env, platformBaseUrlsOf(env, registry.names()), registry.productionHosts());
}
