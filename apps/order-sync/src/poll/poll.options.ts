import type { OrderSyncOptions } from '../order-sync.options';

/** PollModule's share of OrderSyncOptions: cadence, windows, workers, the scheduler's loop (LeaderLoop). */
export const POLL_OPTIONS_KEYS = ['pollIntervalMs', 'pollFastIntervalMs', 'pollFastHoldMs', 'pollOverlapMs', 'pollDeepOverlapMs', 'pollDeepEveryMs', 'pollInitialLookbackMs', 'pollMaxPagesPerRun', 'pollConcurrency', 'pollShopCheckMs', 'pollSchedulerRefreshMs', 'detailConcurrency', 'maxFutureSkewMs', 'erpPushChunk', 'leaderLeaseTtlMs', 'backgroundLoops'] as const;
export type PollOptions = Pick<OrderSyncOptions, (typeof POLL_OPTIONS_KEYS)[number]>;
export const POLL_OPTIONS = Symbol('POLL_OPTIONS');
