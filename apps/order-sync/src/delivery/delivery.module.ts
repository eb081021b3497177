import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { SlaModule } from '../sla/sla.module';
import { ErpDeliveryService } from './erp-delivery.service';
import { ErpInterceptProcessor } from './erp-intercept.processor';
import { ErpPushProcessor } from './erp-push.processor';
import { OutboxRepository } from './outbox.repository';

/** The ERP delivery: push-order / intercept-order workers over the outbox (ErpLanes comes from the global ErpLanesModule). */
@Module({
  imports: [OrdersModule, SlaModule],
  providers: [OutboxRepository, ErpDeliveryService, ErpPushProcessor, ErpInterceptProcessor],
  exports: [OutboxRepository, ErpDeliveryService],
})
export class DeliveryModule {}
