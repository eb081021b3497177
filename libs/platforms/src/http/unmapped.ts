import { UNKNOWN_STATUS_CODE, UpstreamError, isUnknownStatus, type CanonicalOrder, type UnmappedOrder } from '@app/contracts';

/**
 * The error a status map raises for a platform status it has no canonical mapping for: `invalid_request` (the same
 * answer will not map on a retry) with code UNKNOWN_STATUS_CODE, so a list page can leave that one order out
 * (mapListed) and callers of getOrder can record and skip it.
 */
export function unknownStatus(platform: string, what: string, status: string, orderId?: string): UpstreamError {
  const text = `unknown ${platform} ${what} ${status}`;
  return new UpstreamError(platform, 'invalid_request', orderId === undefined ? text : `order ${orderId}: ${text}`, { code: UNKNOWN_STATUS_CODE, platformStatus: status });
}

/**
 * Maps each row of a list page; a row whose status has no mapping is reported in `unmapped` (id and status) instead
 * of failing the page. Any other mapping error still throws.
 */
export function mapListed<R>(
  rows: readonly R[],
  map: (row: R) => CanonicalOrder,
  idOf: (row: R) => string,
): { orders: CanonicalOrder[]; unmapped: UnmappedOrder[] } {
  const orders: CanonicalOrder[] = [];
  const unmapped: UnmappedOrder[] = [];
  for (const row of rows) {
    try {
      orders.push(map(row));
    } catch (e) {
      if (!isUnknownStatus(e)) throw e;
      unmapped.push({ platformOrderId: idOf(row), platformStatus: e.details.platformStatus ?? '', updatedAt: null });
    }
  }
  return { orders, unmapped };
}
