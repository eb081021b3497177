import type { Platform } from '@app/contracts';
import { OutboundPolicy, parseAllowHosts } from './outbound-policy';

/** The env variables of the policy (libs/config BaseEnv has them). */
export interface OutboundEnv {
  OUTBOUND_ALLOW_HOSTS: string;
  OUTBOUND_ALLOW_LOOPBACK: boolean;
}

/** One app's policy from its validated env (plus the operator's platform base URL overrides, when configured). */
export function outboundPolicyFromEnv(env: OutboundEnv, platformBaseUrls?: Partial<Record<Platform, readonly string[]>>): OutboundPolicy {
  return new OutboundPolicy({
    allowHosts: parseAllowHosts(env.OUTBOUND_ALLOW_HOSTS),
    allowLoopback: env.OUTBOUND_ALLOW_LOOPBACK,
    platformBaseUrls,
  });
}
