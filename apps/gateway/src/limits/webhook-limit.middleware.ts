import type { IncomingMessage, ServerResponse } from 'node:http';
import { limitMessage, type RateLimitService } from './rate-limit.service';
import { sendTooManyRequests } from './key-gate';

/**
 * Platform pushes carry no API key (they are signed), so they are bounded per platform and source address,
 * before the body is read. Mounted at /webhooks ahead of the body capture.
 */
export function webhookRateLimit(limiter: RateLimitService) {
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    if (req.method !== 'POST') return next();
    const platform = (req.url ?? '/').split(/[/?]/)[1] || '-';
    limiter.admitWebhook(platform, req.socket.remoteAddress ?? '-').then(
      (a) => {
        if (a.ok) return next();
        // the body is not read: close the connection after the answer rather than drain it
        res.setHeader('connection', 'close');
        sendTooManyRequests(res, limitMessage(a), a.retryAfterSec);
      },
      (err: unknown) => next(err),
    );
  };
}
