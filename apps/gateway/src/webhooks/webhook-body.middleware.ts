import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonDepthExceeds } from '@app/observability';

export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
export const WEBHOOK_BODY_MAX_DEPTH = 64;

/** What the capture middleware leaves on the request for the webhook controller. */
export type CapturedBody = { ok: true; raw: Buffer } | { ok: false; tooLarge: true } | { ok: false; tooDeep: true };

export interface WebhookRequest extends IncomingMessage {
  webhookBody?: CapturedBody;
  /** set by Nest when the app was created with { rawBody: true } */
  rawBody?: Buffer;
  body?: unknown;
  _body?: boolean;
}

/**
 * Reads webhook bodies as raw bytes (signatures are computed over the bytes as sent), bounded: a body over
 * the limit is discarded while it streams and flagged, so the controller can answer 413 in the platform's
 * own failure shape. A body nested deeper than `maxDepth` is flagged too (400: the adapters' parsers recurse).
 * The request is fully consumed before `next()`, so Nest's JSON parser skips it.
 */
export function captureWebhookBody(limitBytes = WEBHOOK_BODY_LIMIT_BYTES, maxDepth = WEBHOOK_BODY_MAX_DEPTH) {
  return (req: WebhookRequest, _res: ServerResponse, next: (err?: unknown) => void): void => {
    if (req.method !== 'POST') return next();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? '0') > limitBytes;
    let discarded = 0;
    req.on('data', (c: Buffer) => {
      if (tooLarge) {
        discarded += c.length;
        // a sender that keeps streaming far past the limit loses the connection
        if (discarded > limitBytes * 16) req.destroy();
        return;
      }
      size += c.length;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) req.webhookBody = { ok: false, tooLarge: true };
      else {
        const raw = Buffer.concat(chunks);
        req.webhookBody = jsonDepthExceeds(raw.toString('utf8'), maxDepth) ? { ok: false, tooDeep: true } : { ok: true, raw };
      }
      req.body = undefined;
      req._body = true;
      next();
    });
    req.on('error', (e) => next(e));
  };
}

/**
 * Call in the gateway's main.ts BEFORE `app.listen()` / `app.init()`: middleware added with `app.use` now runs
 * ahead of Nest's body parsers (registered during init), which would otherwise consume and reshape the body.
 */
export function applyWebhookBodyParser(app: INestApplication, opts: { path?: string; limitBytes?: number; maxDepth?: number } = {}): void {
  app.use(opts.path ?? '/webhooks', captureWebhookBody(opts.limitBytes, opts.maxDepth));
}
