import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AuditLogEntryView, AuditLogPageView, AuditLogQuery } from './audit-log.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Roles('admin')
@Controller('audit-log')
export class AuditLogController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: "This merchant's audit log, newest first: admin actions and buyer-data reads with the acting key" })
  @ApiOkResponse({ type: AuditLogPageView })
  async list(@CurrentPrincipal() who: Principal, @Query() q: AuditLogQuery): Promise<AuditLogPageView> {
    const page = await this.audit.page(who.merchantId, { limit: q.limit ?? 50, cursor: q.cursor });
    return { items: page.items.map((e) => AuditLogEntryView.of(e)), nextCursor: page.nextCursor };
  }
}
