import { Module } from '@nestjs/common';
import { GatewayEnv } from '../config/env.validation';
import { ORDER_SYNC_FORWARDER, OrderApiController } from './order-api.controller';
import { ServiceForwarder } from './service-forwarder';

/** catalog-sync as a forwarder (most catalog routes go through the catalog proxy middleware; features that merge answers use this) */
export const CATALOG_SYNC_FORWARDER = Symbol('CATALOG_SYNC_FORWARDER');

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
  ],
  exports: [ORDER_SYNC_FORWARDER, CATALOG_SYNC_FORWARDER],
})
export class ForwardingModule {}
