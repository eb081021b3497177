import type { OrderSyncOptions } from '../order-sync.options';

/** TmcModule's share of OrderSyncOptions: the consumer's switch, group, batch, idle wait and channel (socket | http). */
export const TMC_OPTIONS_KEYS = ['tmcEnabled', 'tmcGroupName', 'tmcQuantity', 'tmcIdleMs', 'tmcChannel', 'backgroundLoops'] as const;
export type TmcOptions = Pick<OrderSyncOptions, (typeof TMC_OPTIONS_KEYS)[number]>;
export const TMC_OPTIONS = Symbol('TMC_OPTIONS');
