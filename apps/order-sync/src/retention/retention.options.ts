import type { OrderSyncOptions } from '../order-sync.options';

/** RetentionModule's share of OrderSyncOptions: the retention policy defaults and the sweeper's loop (LeaderLoop). */
export const RETENTION_MODULE_OPTIONS_KEYS = ['retention', 'leaderLeaseTtlMs', 'backgroundLoops'] as const;
export type RetentionModuleOptions = Pick<OrderSyncOptions, (typeof RETENTION_MODULE_OPTIONS_KEYS)[number]>;
export const RETENTION_MODULE_OPTIONS = Symbol('RETENTION_MODULE_OPTIONS');
