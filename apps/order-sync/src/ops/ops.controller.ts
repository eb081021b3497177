import { BadRequestException, Body, Controller, Get, Headers, HttpCode, Post, Query, UsePipes, ValidationPipe } from '@nestjs/common';
import { MERCHANT_HEADER } from '../shared/merchant-id.decorator';
import { ErpDeliveryService } from '../delivery/erp-delivery.service';
import { OrderJobs } from '../shared/order-jobs';
import { SlaReportService, type SlaReport } from '../sla/sla-report.service';
import { RetryOutboxDto, SlaReportQueryDto } from './ops.dto';
import { RequiresRole } from './roles';

@Controller('ops')
@RequiresRole('ops', 'admin')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
export class OpsController {
  constructor(
    private readonly sla: SlaReportService,
    private readonly delivery: ErpDeliveryService,
    private readonly jobs: OrderJobs,
  ) {}

  @Get('sla')
  async slaReport(@Query() q: SlaReportQueryDto, @Headers(MERCHANT_HEADER) merchantId?: string): Promise<SlaReport> {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3_600_000);
    if (from >= to) throw new BadRequestException('from must be before to');
    if (merchantId !== undefined && !/^[0-9a-f-]{36}$/i.test(merchantId)) throw new BadRequestException(`${MERCHANT_HEADER} must be a UUID`);
    return this.sla.report(from, to, merchantId ?? null);
  }

  /** failed outbox rows back to pending, then enqueued under fresh job ids */
  @Post('outbox/retry')
  @HttpCode(200)
  async retryOutbox(@Body() body: RetryOutboxDto): Promise<{ retried: string[]; enqueued: boolean }> {
    const rows = await this.delivery.resetFailed(body.all === true ? null : (body.ids ?? []));
    const enqueued = await this.jobs.addDeliveries(rows, `-retry-${Date.now()}`);
    return { retried: rows.map((r) => r.outboxId), enqueued };
  }
}
