import { Injectable } from '@nestjs/common';
import { appMetrics, type AppMetrics } from '@app/observability';

/** Poll metrics, on the process registry (libs/observability's catalogue). */
@Injectable()
export class PollMetrics {
  /** rising while pushes are lost: the poller, not a push, brought these orders */
  readonly foundByPoll: AppMetrics['ordersFoundByPoll'] = appMetrics().ordersFoundByPoll;
}
