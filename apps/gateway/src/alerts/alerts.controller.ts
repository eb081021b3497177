import { Body, Controller, Delete, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { Public } from '../auth/decorators';
import { UuidParam } from '../auth/uuid-param';
import { ALERT_RULES } from './alert-rules';
import { AlertSilencesService, AlertSilenceView, CreateAlertSilenceDto } from './alert-silences.service';
import { AlertStore, type AlertView } from './alert-store';
import { OperatorOrKeyGuard, type RequestWithReader } from './operator-or-key.guard';

const ownerOf = (req: RequestWithReader): string | null => (req.alertReader?.operator === false ? req.alertReader.principal.merchantId : null);
/** whose alerts a read lists: a key's own merchant's; the operator's every merchant's, or the one it acts for */
const readerScope = (req: RequestWithReader): string | null => {
  const r = req.alertReader;
  return r?.operator === false ? r.principal.merchantId : (r?.actingFor ?? null);
};

/**
 * Alerts and silences: a merchant's ops/admin keys see and silence their own merchant's; the operator token
 * every merchant's.
 */
@ApiTags('alerts')
@ApiBearerAuth()
@Controller()
@Public()
@UseGuards(OperatorOrKeyGuard)
export class AlertsController {
  constructor(
    private readonly store: AlertStore,
    private readonly silences: AlertSilencesService,
    private readonly audit: AuditService,
  ) {}

  @Get('alerts')
  @ApiOperation({ summary: 'Alerts that fired (firing first, newest first): key, rule, level, state, silenced, merchantId, summary {zh,en}, firstFiredAt, lastSentAt, resolvedAt' })
  async list(@Req() req: RequestWithReader): Promise<{ alerts: AlertView[] }> {
    return { alerts: await this.store.list(readerScope(req)) };
  }

  @Get('alerts/rules')
  @ApiOperation({ summary: 'The rules the evaluator runs, with the signal each reads (signal null: a named slot whose signal does not exist yet)' })
  rules(): { rules: typeof ALERT_RULES } {
    return { rules: ALERT_RULES };
  }

  @Post('alert-silences')
  @ApiOkResponse({ type: AlertSilenceView })
  @ApiOperation({ summary: 'Silence an alert key for durationSec: its messages are not sent until then' })
  async create(@Req() req: RequestWithReader, @Body() dto: CreateAlertSilenceDto): Promise<AlertSilenceView> {
    const r = req.alertReader;
    const view = await this.silences.create(ownerOf(req), r?.operator === false ? r.principal.keyId : null, dto);
    if (r?.operator === false) await this.audit.record(r.principal, 'alert.silence', { type: 'alert', id: dto.key }, { durationSec: dto.durationSec, reason: dto.reason ?? null });
    return view;
  }

  @Get('alert-silences')
  @ApiOkResponse({ type: [AlertSilenceView] })
  listSilences(@Req() req: RequestWithReader): Promise<AlertSilenceView[]> {
    return this.silences.list(ownerOf(req));
  }

  @Delete('alert-silences/:id')
  @HttpCode(204)
  async removeSilence(@Req() req: RequestWithReader, @UuidParam('id') id: string): Promise<void> {
    await this.silences.remove(ownerOf(req), id);
  }
}
