// one guard for the services behind the gateway (libs/service-auth); catalog-sync's name for the roles decorator
export { MERCHANT_HEADER, ROLES_HEADER, MerchantContextGuard, MerchantId, ServiceRoles as CatalogRoles, type MerchantContext } from '@app/service-auth';
