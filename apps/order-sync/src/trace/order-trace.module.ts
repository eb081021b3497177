import { Module } from '@nestjs/common';
import { OrderTraceController } from './order-trace.controller';
import { OrderTraceRepository } from './order-trace.repository';
import { OrderTraceService } from './order-trace.service';

/** GET /orders/:id/trace and /orders/trace?platform=&platformOrderId= (read-only; needs the app's DataSource). */
@Module({
  controllers: [OrderTraceController],
  providers: [OrderTraceRepository, OrderTraceService],
})
export class OrderTraceModule {}
