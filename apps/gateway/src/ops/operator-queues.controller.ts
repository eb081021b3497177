import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueueHealthService, type QueueHealth } from '@app/queue';
import { Public } from '../auth/decorators';
import { OperatorGuard } from './operator.guard';

/** The raw BullMQ view: every merchant's jobs share these queues, so it is the platform operator's. */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('operator/queues')
@Public()
@UseGuards(OperatorGuard)
export class OperatorQueuesController {
  constructor(private readonly queues: QueueHealthService) {}

  @Get()
  @ApiOperation({ summary: 'Operator only: per-queue depth (waiting/active/delayed/failed), oldest waiting age and per-minute throughput' })
  @ApiOkResponse({ description: '{ at, queues: QueueHealth[] }' })
  async list(): Promise<{ at: string; queues: QueueHealth[] }> {
    return { at: new Date().toISOString(), queues: await this.queues.all() };
  }
}
