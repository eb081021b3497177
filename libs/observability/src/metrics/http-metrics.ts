import type { IncomingMessage, ServerResponse } from 'node:http';
import { appMetrics } from './catalogue';
import { statusClass } from './registry';

/**
 * Express middleware timing every request of an app's API into omnisync_http_request_duration_seconds
 * {app, route, method, status_class}. The route is the matched template (`/orders/:id/trace`, with a mounted
 * router's base path), never the raw path: ids in paths would make a series per order. A request no route
 * matched (404, or refused by a middleware before routing) is `unmatched`. Installed first by
 * createServiceApp, so refusals (429, 401, 413) are timed too.
 */
const METRICS_ROUTE = Symbol('omnisync-metrics-route');

/** what Express adds to the request once routed, and the route a middleware that answers itself names */
type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string; [METRICS_ROUTE]?: string };

/**
 * Names the route of a request a middleware answers itself (no Nest route: the gateway's streamed catalog
 * proxy), for the HTTP histogram. A template (`/products/*`), never the raw path.
 */
export function setMetricsRoute(req: IncomingMessage, route: string): void {
  (req as RoutedRequest)[METRICS_ROUTE] = route;
}

export function httpMetricsMiddleware(app: string): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const m = appMetrics();
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const r = req as RoutedRequest;
      const route = r[METRICS_ROUTE] ?? r.route?.path;
      m.httpRequestDuration.observe(
        {
          app,
          route: typeof route === 'string' ? (r[METRICS_ROUTE] ? route : `${r.baseUrl ?? ''}${route}`) : 'unmatched',
          method: req.method ?? 'GET',
          status_class: statusClass(res.statusCode),
        },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };
}
