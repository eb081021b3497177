import type { OrderSyncOptions } from '../order-sync.options';

/** OrderEventsModule's share of OrderSyncOptions: the relays' cadence and batches, the repair loop (LeaderLoop). */
export const ORDER_EVENTS_OPTIONS_KEYS = ['stockEventsRelayIntervalMs', 'stockEventsBatch', 'stockEventsRelayCoalesceMs', 'stockEventsRepairIntervalMs', 'stockEventsRepairStaleMs', 'stockEventsRepairBatch', 'stockEventsMaxRelays', 'leaderLeaseTtlMs', 'backgroundLoops'] as const;
export type OrderEventsOptions = Pick<OrderSyncOptions, (typeof ORDER_EVENTS_OPTIONS_KEYS)[number]>;
export const ORDER_EVENTS_OPTIONS = Symbol('ORDER_EVENTS_OPTIONS');
