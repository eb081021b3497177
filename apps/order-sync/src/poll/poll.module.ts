import { Module } from '@nestjs/common';
import { OrderEventsModule } from '../order-events/order-events.module';
import { OrdersModule } from '../orders/orders.module';
import { SlaModule } from '../sla/sla.module';
import { OrderPollProcessor } from './order-poll.processor';
import { OrderPollService } from './order-poll.service';
import { PollCadence } from './poll-cadence';
import { PollCursorsRepository } from './poll-cursors.repository';
import { PollSchedulerService } from './poll-scheduler.service';
import { PollMetrics } from './poll.metrics';

/** Per-shop polling: the poll-shop worker, its cadence and cursors, and the scheduler (LeaderLoop 'poll-scheduler'). */
@Module({
  imports: [OrdersModule, OrderEventsModule, SlaModule],
  providers: [OrderPollService, OrderPollProcessor, PollCadence, PollCursorsRepository, PollMetrics, PollSchedulerService],
  exports: [OrderPollService, PollSchedulerService],
})
export class PollModule {}
