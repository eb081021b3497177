import { Module } from '@nestjs/common';
import { GatewayEnv } from '../config/env.validation';
import { ORDER_SYNC_FORWARDER, OrderApiController } from './order-api.controller';
import { ServiceForwarder } from './service-forwarder';

/** Public routes served by internal services, after the gateway's authentication and role checks. */
@Module({
  controllers: [OrderApiController],
  providers: [
    {
      provide: ORDER_SYNC_FORWARDER,
      inject: [GatewayEnv],
      useFactory: (env: GatewayEnv) => new ServiceForwarder('order-sync', env.ORDER_SYNC_URL, env.UPSTREAM_TIMEOUT_MS, env.INTERNAL_SERVICE_SECRET),
    },
  ],
})
export class ForwardingModule {}
