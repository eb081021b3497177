import { UpstreamError, type Platform } from '@app/contracts';

/** Validates an order-list window against the platform's limit (from inclusive, to exclusive). */
export function checkWindow(platform: Platform, from: Date, to: Date, maxWindowSec: number): void {
  const span = to.getTime() - from.getTime();
  if (!(span > 0)) throw new UpstreamError(platform, 'invalid_request', 'order list window must have to > from');
  if (span > maxWindowSec * 1000) {
    throw new UpstreamError(platform, 'invalid_request', `order list window ${Math.round(span / 1000)}s exceeds ${maxWindowSec}s`);
  }
}

/** Header value as one string (Node lower-cases header names). */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name.toLowerCase()];
  if (Array.isArray(v)) return v[0] ?? null;
  return v ?? null;
}
