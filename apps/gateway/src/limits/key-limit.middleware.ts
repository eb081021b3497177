import type { IncomingMessage, ServerResponse } from 'node:http';
import { extractKey } from '../ops/queue-board.middleware';
import { sendTooManyRequests } from './key-gate';
import { limitMessage, type RateLimitService } from './rate-limit.service';

/** Set on the request once its key was counted, so the guard and the proxies do not count it twice. */
export const KEY_COUNTED = Symbol('omnisync.keyCounted');

export type CountedRequest = IncomingMessage & { [KEY_COUNTED]?: true };

/**
 * Per-key limit as the first middleware of the gateway: a flooding key is answered 429 before routing,
 * body parsing, the key lookup or any Nest machinery, so its requests cost the process almost nothing.
 * Requests without a key pass (the guard answers 401); platform pushes have their own limit.
 */
export function keyRateLimit(limiter: RateLimitService) {
  return (req: CountedRequest, res: ServerResponse, next: (err?: unknown) => void): void => {
    const key = extractKey(req.headers.authorization);
    if (!key) return next();
    limiter.admitKey(key).then(
      (a) => {
        if (!a.ok) return sendTooManyRequests(res, limitMessage(a), a.retryAfterSec);
        req[KEY_COUNTED] = true;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
