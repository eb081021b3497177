import { Module } from '@nestjs/common';
import { GatewayEnv } from '../config/env.validation';
import { ORDER_SYNC_FORWARDER, OrderApiController } from './order-api.controller';
import { ServiceForwarder } from './service-forwarder';

/** catalog-sync as a forwarder (most catalog routes go through the catalog proxy middleware; features that merge answers use this) */
export const CATALOG_SYNC_FORWARDER = Symbol('CATALOG_SYNC_FORWARDER');

/** the coupon service as a forwarder (/coupon-campaigns, and its part of the exception inbox) */
export const COUPON_FORWARDER = Symbol('COUPON_FORWARDER');

/** Public routes served by internal services, after the gateway's authentication and role checks. */
@Module({
  controllers: [OrderApiController],
  providers: [
    {
      provide: ORDER_SYNC_FORWARDER,
      inject: [GatewayEnv],
      useFactory: (env: GatewayEnv) => new ServiceForwarder('order-sync', env.ORDER_SYNC_URL, env.UPSTREAM_TIMEOUT_MS, env.INTERNAL_SERVICE_SECRET),
    },
    {
      provide: CATALOG_SYNC_FORWARDER,
      inject: [GatewayEnv],
      useFactory: (env: GatewayEnv) => new ServiceForwarder('catalog-sync', env.CATALOG_SYNC_URL, env.UPSTREAM_TIMEOUT_MS, env.INTERNAL_SERVICE_SECRET),
    },
    {
      provide: COUPON_FORWARDER,
      inject: [GatewayEnv],
      useFactory: (env: GatewayEnv) => new ServiceForwarder('coupon', env.COUPON_SERVICE_URL, env.COUPON_SERVICE_TIMEOUT_MS, env.INTERNAL_SERVICE_SECRET),
    },
  ],
  exports: [ORDER_SYNC_FORWARDER, CATALOG_SYNC_FORWARDER, COUPON_FORWARDER],
})
export class ForwardingModule {}
