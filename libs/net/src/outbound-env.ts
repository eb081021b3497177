import type { Platform } from '@app/contracts';
import { OutboundPolicy, parseAllowHosts } from './outbound-policy';

/** The env variables of the policy (libs/config BaseEnv has them). */
export interface OutboundEnv {
  OUTBOUND_ALLOW_HOSTS: string;
  OUTBOUND_ALLOW_LOOPBACK: boolean;
  /** the operator's platform API base URLs (libs/config BaseEnv); an override is an allowed host for that platform's calls only */
  PLATFORM_BASE_URL_DOUYIN?: string;
  PLATFORM_BASE_URL_TAOBAO?: string;
  PLATFORM_BASE_URL_XIAOHONGSHU?: string;
}

/** the operator's platform base URL overrides in an env (none: production hosts only) */
export function platformBaseUrlsOf(env: OutboundEnv, platforms?: readonly Platform[]): Partial<Record<Platform, readonly string[]>> {
  const out: Partial<Record<Platform, readonly string[]>> = {};
  if (platforms) {
    // PLATFORM_BASE_URL_<NAME> for each registered platform
    const vars = env as unknown as Record<string, unknown>;
    for (const p of platforms) {
      const v = vars[`PLATFORM_BASE_URL_${p.toUpperCase()}`];
      if (typeof v === 'string' && v !== '') out[p] = [v];
    }
    return out;
  }
  if (env.PLATFORM_BASE_URL_DOUYIN) out.douyin = [env.PLATFORM_BASE_URL_DOUYIN];
  if (env.PLATFORM_BASE_URL_TAOBAO) out.taobao = [env.PLATFORM_BASE_URL_TAOBAO];
  if (env.PLATFORM_BASE_URL_XIAOHONGSHU) out.xiaohongshu = [env.PLATFORM_BASE_URL_XIAOHONGSHU];
  return out;
}

/**
 * One app's policy from its validated env: the operator allowances plus the operator's platform base URL
 * overrides (PLATFORM_BASE_URL_*), which are allowed for that platform's calls (a sandbox, the simulators).
 */
export function outboundPolicyFromEnv(
  env: OutboundEnv,
  platformBaseUrls: Partial<Record<Platform, readonly string[]>> = platformBaseUrlsOf(env),
  productionHosts?: Readonly<Record<Platform, readonly string[]>>,
): OutboundPolicy {
  return new OutboundPolicy({
    productionHosts,
    allowHosts: parseAllowHosts(env.OUTBOUND_ALLOW_HOSTS),
    allowLoopback: env.OUTBOUND_ALLOW_LOOPBACK,
    platformBaseUrls,
  });
}
