/**
 * The exception inbox (issue 10 item 5): everything that needs a person, typed and merchant-scoped. Each
 * service derives its exceptions from the state of its own tables, so an exception disappears by itself
 * when its cause is gone (the delivery went through, the listing published, the shop re-authorised); a
 * person may also resolve one (recorded per merchant and key) or retry it where a retry exists.
 */
export const EXCEPTION_TYPES = [
  'erp_rejected',
  'shipment_failed',
  'push_unprocessable',
  'illegal_transition',
  'platform_answer_refused',
  'publish_failed',
  'stock_drift',
  'unmapped_sku',
  'shop_needs_reauth',
  'shop_token_expiring',
  'coupon_sync_failed',
  'coupon_budget',
  'coupon_usage_mismatch',
] as const;
export type ExceptionType = (typeof EXCEPTION_TYPES)[number];

/** who holds the exception's state and acts on it */
export type ExceptionService = 'gateway' | 'order-sync' | 'catalog-sync' | 'coupon';

export const EXCEPTION_SERVICE: Record<ExceptionType, ExceptionService> = {
  erp_rejected: 'order-sync',
  shipment_failed: 'order-sync',
  push_unprocessable: 'order-sync',
  illegal_transition: 'order-sync',
  platform_answer_refused: 'order-sync',
  publish_failed: 'catalog-sync',
  stock_drift: 'catalog-sync',
  unmapped_sku: 'catalog-sync',
  shop_needs_reauth: 'gateway',
  shop_token_expiring: 'gateway',
  coupon_sync_failed: 'coupon',
  coupon_budget: 'coupon',
  coupon_usage_mismatch: 'coupon',
};

/** what a person can do: retry (the service re-runs the failed work), resolve (acknowledge; it is hidden), reauthorize (POST /shops/authorize) */
export type ExceptionAction = 'retry' | 'resolve' | 'reauthorize';

export interface OpsException {
  /** stable: `<type>:<source id>[:<attempt>]`; a retried item that fails again is a new key */
  key: string;
  type: ExceptionType;
  severity: 'info' | 'warning' | 'critical';
  /** ISO-8601: when the cause began */
  since: string;
  title: { zh: string; en: string };
  /** the ids and facts that locate it (never buyer data) */
  context: Record<string, unknown>;
  actions: ExceptionAction[];
}

/** `erp_rejected:123:4` -> 'erp_rejected', or null for a key of no known type */
export function exceptionTypeOf(key: string): ExceptionType | null {
  const type = key.split(':', 1)[0];
  return (EXCEPTION_TYPES as readonly string[]).includes(type) ? (type as ExceptionType) : null;
}
