import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueueHealthService, type QueueHealth } from '@app/queue';
import { Roles } from '../auth/decorators';

@ApiTags('ops')
@ApiBearerAuth()
@Controller('ops/queues')
export class OpsQueuesController {
  constructor(private readonly queues: QueueHealthService) {}

  @Get()
  @Roles('ops', 'admin')
  @ApiOperation({ summary: 'Per-queue depth (waiting/active/delayed/failed), oldest waiting age and per-minute throughput' })
  @ApiOkResponse({ description: '{ at, queues: QueueHealth[] }' })
  async list(): Promise<{ at: string; queues: QueueHealth[] }> {
    return { at: new Date().toISOString(), queues: await this.queues.all() };
  }
}
