export const COUPON_FEATURE_OPTIONS = Symbol('COUPON_FEATURE_OPTIONS');

export interface CouponFeatureOptions {
  /** COUPON_UNCONFIRMED_APIS_ENABLED: use coupon APIs the facts document does not confirm (Douyin marketing.*, Kuaishou's units); off by default */
  unconfirmedApis: boolean;
  /** the coupon-sync sweeper's pass interval, and how long a row with work to do may sit untouched before its job is added again */
  sweepIntervalMs: number;
  sweepStaleMs: number;
  /** start the sweeper loop on bootstrap (tests drive it by hand) */
  backgroundLoops: boolean;
  /**
   * The budget guard stops a campaign once its spend plus what it spent over the last budgetStopLeadMs reaches the
   * budget (a stop takes about that long to reach every platform, and redemptions go on meanwhile); 0: at 100 % only.
   */
  budgetStopLeadMs: number;
  /** the usage reconcile (RedemptionReconciler): how often it runs, and how long a (campaign, shop) waits between checks */
  reconcileIntervalMs: number;
  reconcileStaleMs: number;
  /** RedemptionRetention: days an order's coupon state and unattributed lines are kept (at least COUPON_RETENTION_FLOOR_DAYS), how often it runs, its batches */
  retentionDays: number;
  retentionIntervalMs: number;
  retentionBatchRows: number;
  retentionMaxBatchesPerTick: number;
}

export const DEFAULT_COUPON_FEATURE_OPTIONS: CouponFeatureOptions = { unconfirmedApis: false, sweepIntervalMs: 5000, sweepStaleMs: 30_000, backgroundLoops: true, budgetStopLeadMs: 2000, reconcileIntervalMs: 60_000, reconcileStaleMs: 300_000, retentionDays: 90, retentionIntervalMs: 600_000, retentionBatchRows: 1000, retentionMaxBatchesPerTick: 20 };
