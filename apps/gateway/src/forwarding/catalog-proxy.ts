import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { Role } from '@app/contracts';
import { currentRequestId, setMetricsRoute } from '@app/observability';
import type { Principal } from '../auth/principal';
import { admitApiKey, sendTooManyRequests } from '../limits/key-gate';
import type { RateLimitService } from '../limits/rate-limit.service';
import { extractKey } from '../ops/queue-board.middleware';
import { ROLES_HEADER, SIGNED_HEADERS, UNSIGNED_PAYLOAD, signServiceCall } from '@app/service-auth';

export { ROLES_HEADER };

/** Public path prefixes served by catalog-sync. */
export const CATALOG_PREFIXES = ['/products', '/skus', '/sku-mappings', '/compliance', '/publish-runs', '/erp/stock'] as const;

export interface CatalogKeyAuthenticator {
  authenticate(raw: string): Promise<{ ok: true; principal: Principal } | { ok: false; message: string }>;
}

const ALLOWED: Role[] = ['merchandiser', 'admin', 'ops', 'erp'];

function deny(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ statusCode: status, error: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Service Unavailable', message }));
}

/**
 * Forwards the catalog API to catalog-sync as a stream, before Nest's body parsers, so CSV and large JSON
 * imports pass through byte for byte. The gateway authenticates the key (same keys as everywhere); the
 * caller's merchant and roles travel in signed headers (@app/service-auth; the streamed body is outside the
 * signature) and catalog-sync checks the role each route needs (merchandiser/admin for the catalog, erp/admin
 * for stock). The caller's own Authorization header and any x-omnisync-* header it sent are not forwarded.
 */
export function catalogProxy(auth: CatalogKeyAuthenticator, catalogUrl: string, timeoutMs: number, secret: string, limiter?: RateLimitService | null) {
  const target = new URL(catalogUrl);
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    const path = req.url ?? '/';
    const prefix = CATALOG_PREFIXES.find((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`));
    if (!prefix) return next();
    setMetricsRoute(req, `${prefix}/*`);
    const key = extractKey(req.headers.authorization);
    if (!key) return deny(res, 401, 'missing API key: send "Authorization: Bearer <key>"');
    admitApiKey(key, auth, limiter, req).then(
      (r) => {
        if (!r.ok) return r.status === 429 ? sendTooManyRequests(res, r.message, r.retryAfterSec) : deny(res, 401, r.message);
        if (!r.principal.roles.some((role) => ALLOWED.includes(role))) return deny(res, 403, `the catalog API needs one of the roles: ${ALLOWED.join(', ')}`);
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (v === undefined || k === 'authorization' || k === 'host' || (SIGNED_HEADERS as readonly string[]).includes(k)) continue;
          headers[k] = v;
        }
        // signed like every forwarded call; the body streams through unbuffered, so it is not part of the signature
        Object.assign(
          headers,
          signServiceCall(secret, { method: req.method ?? 'GET', pathAndQuery: path, merchantId: r.principal.merchantId, roles: r.principal.roles, body: UNSIGNED_PAYLOAD }),
        );
        headers['x-request-id'] = currentRequestId() ?? (req.headers['x-request-id'] as string | undefined) ?? '';
        const upstream = httpRequest(
          { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path, headers, timeout: timeoutMs },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        upstream.on('error', (e) => {
          if (!res.headersSent) deny(res, 503, `catalog-sync is unavailable (${e.message})`);
          else res.destroy(e);
        });
        req.pipe(upstream);
      },
      (err: unknown) => next(err),
    );
  };
}

/** Mounts the catalog proxy; call before the app starts listening (ahead of Nest's body parsers). */
export function mountCatalogProxy(
  app: INestApplication,
  auth: CatalogKeyAuthenticator,
  catalogUrl: string,
  timeoutMs: number,
  secret: string,
  limiter?: RateLimitService | null,
): void {
  app.use(catalogProxy(auth, catalogUrl, timeoutMs, secret, limiter));
}
