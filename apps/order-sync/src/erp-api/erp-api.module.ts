import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { SlaModule } from '../sla/sla.module';
import { ErpOrdersController } from './erp-orders.controller';
import { ErpOrdersService } from './erp-orders.service';

/** The ERP pull API (/erp/orders). */
@Module({
  imports: [OrdersModule, SlaModule],
  controllers: [ErpOrdersController],
  providers: [ErpOrdersService],
})
export class ErpApiModule {}
