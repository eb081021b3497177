import { PLATFORM_NAME_PATTERN, type Platform } from './platform';

/** One of the operator's own service-provider (ISV) apps, shared by many merchants' shops (PLATFORM_APPS). */
export interface OperatorApp {
  platform: Platform;
  appKey: string;
  appSecret: string;
}

/**
 * PLATFORM_APPS: a JSON array of {platform, appKey, appSecret}. Throws an Error naming the first bad entry
 * (never echoing a secret). One app key appears once per platform. `isPlatform` says which names are
 * registered (the registry in @app/platforms; contracts do not know the list).
 */
export function parsePlatformApps(raw: string, isPlatform: (name: string) => boolean = () => true, known: readonly string[] = []): OperatorApp[] {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new Error('must be a JSON array of {platform, appKey, appSecret}');
  }
  if (!Array.isArray(list)) throw new Error('must be a JSON array of {platform, appKey, appSecret}');
  const seen = new Set<string>();
  return list.map((item: unknown, i) => {
    const o = (item ?? {}) as Record<string, unknown>;
    if (typeof o.platform !== 'string' || !PLATFORM_NAME_PATTERN.test(o.platform) || !isPlatform(o.platform)) {
      throw new Error(`entry ${i}: platform must be ${known.length > 0 ? `one of ${known.join(', ')}` : 'a registered platform name'}`);
    }
    if (typeof o.appKey !== 'string' || o.appKey.trim() === '') throw new Error(`entry ${i}: appKey must be a non-empty string`);
    if (typeof o.appSecret !== 'string' || o.appSecret === '') throw new Error(`entry ${i}: appSecret must be a non-empty string`);
    const key = `${o.platform}/${o.appKey}`;
    if (seen.has(key)) throw new Error(`entry ${i}: ${key} appears twice`);
    seen.add(key);
    return { platform: o.platform as Platform, appKey: o.appKey, appSecret: o.appSecret };
  });
}
