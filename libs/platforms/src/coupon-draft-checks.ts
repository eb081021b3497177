import { UpstreamError } from '@app/contracts';

/**
 * The checks a platform's coupon-params builder makes of a CouponDraft before any call (Douyin, Kuaishou): what the
 * platform cannot express is an `invalid_request` with code `coupon_not_expressible`, naming the field.
 */
export function couponDraftChecks(platform: string): {
  refuse: (message: string) => UpstreamError;
  time: (field: string, iso: string | null) => number;
  fen: (field: string, v: number | null, min: number) => number;
} {
  const refuse = (message: string) => new UpstreamError(platform, 'invalid_request', message, { code: 'coupon_not_expressible' });
  return {
    refuse,
    time(field, iso) {
      const t = iso === null ? NaN : Date.parse(iso);
      if (!Number.isFinite(t)) throw refuse(`${field} must be an ISO-8601 time`);
      return t;
    },
    fen(field, v, min) {
      if (v === null || !Number.isInteger(v) || v < min) throw refuse(`${field} must be an integer >= ${min} (fen)`);
      return v;
    },
  };
}
