import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/principal';
import { KEY_COUNTED, type CountedRequest } from './key-limit.middleware';
import { limitMessage, type RateLimitService } from './rate-limit.service';

export interface KeyAuthenticatorLike {
  authenticate(raw: string): Promise<{ ok: true; principal: Principal } | { ok: false; message: string }>;
}

export type GateResult =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401; message: string }
  | { ok: false; status: 429; message: string; retryAfterSec: number };

/**
 * The one admission path for API-key requests (Nest guard, catalog proxy): the key's own rate limit first
 * (a flooding key is refused before any database work; skipped when keyRateLimit already counted this
 * request), then the key lookup, then the merchant's limit. Without a limiter (RATE_LIMIT_ENABLED=false,
 * or a test module) it only authenticates.
 */
export async function admitApiKey(
  raw: string,
  auth: KeyAuthenticatorLike,
  limiter?: RateLimitService | null,
  req?: IncomingMessage | object,
): Promise<GateResult> {
  if (limiter && !(req as CountedRequest | undefined)?.[KEY_COUNTED]) {
    const perKey = await limiter.admitKey(raw);
    if (!perKey.ok) return { ok: false, status: 429, message: limitMessage(perKey), retryAfterSec: perKey.retryAfterSec };
  }
  const auth0 = await auth.authenticate(raw);
  if (!auth0.ok) return { ok: false, status: 401, message: auth0.message };
  if (limiter) {
    const perMerchant = await limiter.admitMerchant(auth0.principal.merchantId);
    if (!perMerchant.ok) return { ok: false, status: 429, message: limitMessage(perMerchant), retryAfterSec: perMerchant.retryAfterSec };
  }
  return auth0;
}

/** Writes a 429 in the API's JSON error shape with Retry-After (for plain middleware outside Nest). */
export function sendTooManyRequests(res: ServerResponse, message: string, retryAfterSec: number): void {
  res.statusCode = 429;
  res.setHeader('Retry-After', String(retryAfterSec));
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message }));
}
