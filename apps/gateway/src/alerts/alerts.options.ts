import type { AlertLevel } from './alert-levels';
import type { AlertRuleSettings } from './alert-rules';

/** Alert evaluation and sending (GatewayEnv ALERT_*; short in tests). */
export interface AlertsOptions extends AlertRuleSettings {
  /** run the evaluator and the sender in this process (each on the holder of its core.leases lease) */
  enabled: boolean;
  evalIntervalMs: number;
  sendIntervalMs: number;
  /** a delivery waits this long for others to the same channel, sent together as one message */
  groupWindowMs: number;
  /** how often an open alert is sent again, per level (0: never) */
  repeatMs: Record<AlertLevel, number>;
  leaseTtlMs: number;
}

export const ALERTS_OPTIONS = Symbol('ALERTS_OPTIONS');

export const DEFAULT_ALERTS_OPTIONS: AlertsOptions = {
  enabled: true,
  evalIntervalMs: 15_000,
  sendIntervalMs: 1000,
  groupWindowMs: 5000,
  repeatMs: { critical: 300_000, warning: 1_800_000, info: 0 },
  unavailableForMs: 60_000,
  leaseTtlMs: 6000,
  slaWindowMs: 600_000,
  slaBreachRate: 0.05,
  slaBreachRateMinOrders: 20,
  queueAgeWarnMs: 60_000,
  breakerOpenMs: 30_000,
  throttledForMs: 60_000,
};
