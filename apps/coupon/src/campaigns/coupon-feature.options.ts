export const COUPON_FEATURE_OPTIONS = Symbol('COUPON_FEATURE_OPTIONS');

export interface CouponFeatureOptions {
  /** COUPON_UNCONFIRMED_APIS_ENABLED: use coupon APIs the facts document does not confirm (Douyin marketing.*, Kuaishou's units); off by default */
  unconfirmedApis: boolean;
  /** the coupon-sync sweeper's pass interval, and how long a row with work to do may sit untouched before its job is added again */
  sweepIntervalMs: number;
  sweepStaleMs: number;
  /** start the sweeper loop on bootstrap (tests drive it by hand) */
  backgroundLoops: boolean;
}

export const DEFAULT_COUPON_FEATURE_OPTIONS: CouponFeatureOptions = { unconfirmedApis: false, sweepIntervalMs: 5000, sweepStaleMs: 30_000, backgroundLoops: true };
