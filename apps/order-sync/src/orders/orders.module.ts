import { Module } from '@nestjs/common';
import { BuyerVault } from './buyer-vault';
import { OrderUpsertRepository } from './order-upsert.repository';
import { OrdersRepository } from './orders.repository';

/** The order_sync.orders table's repositories and the buyer-data vault (SecretBox), shared by ingest, poll, delivery and the ERP API. */
@Module({
  providers: [BuyerVault, OrderUpsertRepository, OrdersRepository],
  exports: [BuyerVault, OrderUpsertRepository, OrdersRepository],
})
export class OrdersModule {}
