// one guard for the services behind the gateway (libs/service-auth); coupon's name for the roles decorator
export { MERCHANT_HEADER, ROLES_HEADER, MerchantContextGuard, MerchantId, ServiceRoles as CouponRoles, type MerchantContext } from '@app/service-auth';
