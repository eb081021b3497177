import { Module } from '@nestjs/common';
import { OrderEventsModule } from '../order-events/order-events.module';
import { OrdersModule } from '../orders/orders.module';
import { SlaModule } from '../sla/sla.module';
import { InboxRepository } from './inbox.repository';
import { OrderEventsProcessor } from './order-events.processor';
import { OrderIngestService } from './order-ingest.service';

/** The process-inbox worker (queue order-events): inbox rows to orders, outbox rows and order events. */
@Module({
  imports: [OrdersModule, OrderEventsModule, SlaModule],
  providers: [InboxRepository, OrderIngestService, OrderEventsProcessor],
  exports: [InboxRepository, OrderIngestService],
})
export class IngestModule {}
