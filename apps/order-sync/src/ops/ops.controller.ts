import { BadRequestException, Body, Controller, Get, HttpCode, Optional, Post, Query, UsePipes, ValidationPipe } from '@nestjs/common';
import { MerchantId } from '../shared/merchant-id.decorator';
import { ErpDeliveryService } from '../delivery/erp-delivery.service';
import { ErpLanes, type ErpBreakerStatus } from '../delivery/erp-lanes';
import { OrderJobs } from '../shared/order-jobs';
import { SlaReportService, type SlaReport } from '../sla/sla-report.service';
import { MerchantWorkService, type MerchantWork } from './merchant-work.service';
import { BreakerStatesService, type MerchantBreakers } from './breaker-states.service';
import { RetryOutboxDto, SlaReportQueryDto, ThroughputQueryDto } from './ops.dto';
import { ThroughputService, type Throughput } from './throughput.service';
import { RequiresRole } from './roles';

/** The merchant's ops API: every answer and every change is scoped to the caller's merchant (never "all"). */
@Controller('ops')
@RequiresRole('ops', 'admin')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
export class OpsController {
  constructor(
    private readonly sla: SlaReportService,
    private readonly delivery: ErpDeliveryService,
    private readonly jobs: OrderJobs,
    private readonly work: MerchantWorkService,
    private readonly throughput: ThroughputService,
    private readonly breakers: BreakerStatesService,
    // absent where the app runs without ERP delivery wiring (some test modules): no ERP lane breakers to report
    @Optional() private readonly lanes?: ErpLanes,
  ) {}

  @Get('sla')
  async slaReport(@MerchantId() merchantId: string, @Query() q: SlaReportQueryDto): Promise<SlaReport> {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3_600_000);
    if (from >= to) throw new BadRequestException('from must be before to');
    return this.sla.report(from, to, merchantId, q.lateLimit ?? 1000);
  }

  /** the merchant's own pending/failed inbox, outbox and shipments (BullMQ's raw counts are the operator's) */
  @Get('queues')
  queues(@MerchantId() merchantId: string): Promise<MerchantWork> {
    return this.work.forMerchant(merchantId);
  }

  /** per platform orders and pay -> ERP-ack p50/p99 per ?bucketSeconds= (default 60) over the last ?minutes= (1-60, default 15) */
  @Get('throughput')
  throughputReport(@MerchantId() merchantId: string, @Query() q: ThroughputQueryDto): Promise<Throughput> {
    return this.throughput.forMerchant(merchantId, q.minutes ?? 15, q.bucketSeconds ?? 60);
  }

  /**
   * the breakers the merchant's work goes through, this process's view (each order-sync process has its own):
   * `upstreams` per upstream (its ERP lane, its shops' platform breakers; the ops page) and `breakers`, the ERP
   * lane's breakers with since when each has not closed (the alert evaluator's erp_breaker_open)
   */
  @Get('breakers')
  async breakerStates(@MerchantId() merchantId: string): Promise<MerchantBreakers & { breakers: ErpBreakerStatus[] }> {
    const [states, erp] = await Promise.all([this.breakers.forMerchant(merchantId), this.lanes ? this.lanes.breakerStatus(merchantId) : []]);
    return { ...states, breakers: erp };
  }

  /** the merchant's failed outbox rows back to pending, then enqueued under fresh job ids */
  @Post('outbox/retry')
  @HttpCode(200)
  async retryOutbox(@MerchantId() merchantId: string, @Body() body: RetryOutboxDto): Promise<{ retried: string[]; notFound: string[]; enqueued: boolean }> {
    const asked = body.all === true ? null : (body.ids ?? []);
    const rows = await this.delivery.resetFailed(merchantId, asked);
    const enqueued = rows.length > 0 && (await this.jobs.addDeliveries(rows, `-retry-${Date.now()}`));
    const retried = new Set(rows.map((r) => r.outboxId));
    // unknown ids, another merchant's and rows not failed: all the same to the caller (nothing says whose)
    const notFound = asked === null ? [] : [...new Set(asked.map((id) => String(BigInt(id))))].filter((id) => !retried.has(id));
    return { retried: [...retried], notFound, enqueued };
  }
}
