import type { OrderSyncOptions } from '../order-sync.options';

/** OpsModule's share of OrderSyncOptions: how quota figures are scoped. */
export const OPS_OPTIONS_KEYS = ['platformQpsScope'] as const;
export type OpsOptions = Pick<OrderSyncOptions, (typeof OPS_OPTIONS_KEYS)[number]>;
export const OPS_OPTIONS = Symbol('OPS_OPTIONS');
