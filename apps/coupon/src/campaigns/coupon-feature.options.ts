export const COUPON_FEATURE_OPTIONS = Symbol('COUPON_FEATURE_OPTIONS');

export interface CouponFeatureOptions {
  /** COUPON_UNCONFIRMED_APIS_ENABLED: use coupon APIs the facts document does not confirm (Douyin marketing.*); off by default */
  unconfirmedApis: boolean;
}

export const DEFAULT_COUPON_FEATURE_OPTIONS: CouponFeatureOptions = { unconfirmedApis: false };
