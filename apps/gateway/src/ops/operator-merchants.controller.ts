import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/decorators';
import { OperatorGuard } from './operator.guard';

/** the most merchants listed for the ops page's picker */
const MERCHANTS_LISTED = 1000;

/** The merchants, for the platform operator's merchant picker on the ops page (ids and names only). */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('operator/merchants')
@Public()
@UseGuards(OperatorGuard)
export class OperatorMerchantsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Operator only: merchants (id, name), by name, at most 1000 — the ops page acts for one with x-ops-merchant' })
  async list(): Promise<{ merchants: { id: string; name: string }[] }> {
    const rows = (await this.dataSource.query(`SELECT id, name FROM core.merchants ORDER BY name LIMIT $1`, [MERCHANTS_LISTED])) as { id: string; name: string }[];
    return { merchants: rows };
  }
}
