import type { OrderSyncOptions } from '../order-sync.options';

/** SlaModule's share of OrderSyncOptions: the marks, the watcher's loop (LeaderLoop), the health probes, the alert webhook. */
export const SLA_OPTIONS_KEYS = ['slaCheckIntervalMs', 'slaWarningMs', 'slaBreachMs', 'healthProbeIntervalMs', 'alertWebhookUrl', 'alertTimeoutMs', 'leaderLeaseTtlMs', 'backgroundLoops'] as const;
export type SlaOptions = Pick<OrderSyncOptions, (typeof SLA_OPTIONS_KEYS)[number]>;
export const SLA_OPTIONS = Symbol('SLA_OPTIONS');
