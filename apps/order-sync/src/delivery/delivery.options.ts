import type { OrderSyncOptions } from '../order-sync.options';

/** DeliveryModule's share of OrderSyncOptions: the outbox lease and the push / intercept workers' concurrency. */
export const DELIVERY_OPTIONS_KEYS = ['erpLeaseSec', 'erpPushConcurrency', 'erpInterceptConcurrency'] as const;
export type DeliveryOptions = Pick<OrderSyncOptions, (typeof DELIVERY_OPTIONS_KEYS)[number]>;
export const DELIVERY_OPTIONS = Symbol('DELIVERY_OPTIONS');
