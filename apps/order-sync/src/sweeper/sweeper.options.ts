import type { OrderSyncOptions } from '../order-sync.options';

/** SweeperModule's share of OrderSyncOptions: the sweep loop (LeaderLoop) and its bounds. */
export const SWEEPER_OPTIONS_KEYS = ['sweepIntervalMs', 'sweepStaleAfterMs', 'sweepBatch', 'sweepMaxReenqueues', 'erpPushChunk', 'leaderLeaseTtlMs', 'backgroundLoops'] as const;
export type SweeperOptions = Pick<OrderSyncOptions, (typeof SWEEPER_OPTIONS_KEYS)[number]>;
export const SWEEPER_OPTIONS = Symbol('SWEEPER_OPTIONS');
