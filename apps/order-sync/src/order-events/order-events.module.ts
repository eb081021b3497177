import { Module } from '@nestjs/common';
import { CouponEventRelay, OrderEventRelays, StockEventRelay } from './order-event-relay';
import { CouponEventsRepository, StockEventsRepository } from './order-events.repository';

/** The stock / coupon event outboxes and their relays (each with a repair LeaderLoop); ingest and poll write to them. */
@Module({
  providers: [StockEventsRepository, StockEventRelay, CouponEventsRepository, CouponEventRelay, OrderEventRelays],
  exports: [StockEventRelay, CouponEventRelay, OrderEventRelays],
})
export class OrderEventsModule {}
