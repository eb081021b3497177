import { Body, Controller, Delete, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiBadRequestResponse, ApiBearerAuth, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { CurrentPrincipal, Public, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { UuidParam } from '../auth/uuid-param';
import { OperatorGuard } from '../ops/operator.guard';
import { AlertChannelsService } from './alert-channels.service';
import { AlertChannelTestView, AlertChannelView, CreateAlertChannelDto } from './dto/alert-channel.dto';

/** The caller merchant's alert channels: its admin's resource. URL tokens and secrets are write-only. */
@ApiTags('alerts')
@ApiBearerAuth()
@Controller('alert-channels')
export class AlertChannelsController {
  constructor(
    private readonly channels: AlertChannelsService,
    private readonly audit: AuditService,
  ) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Add a DingTalk / Feishu / WeCom robot or a generic webhook for the merchant’s alerts' })
  @ApiCreatedResponse({ type: AlertChannelView })
  @ApiBadRequestResponse({ description: 'every bad field, named (a URL refused by the outbound policy included)' })
  async create(@CurrentPrincipal() p: Principal, @Body() dto: CreateAlertChannelDto): Promise<AlertChannelView> {
    const view = await this.channels.create(p.merchantId, p.keyId, dto);
    await this.audit.record(p, 'alert_channel.create', { type: 'alert_channel', id: view.id }, { kind: view.kind, minLevel: view.minLevel });
    return view;
  }

  @Get()
  @Roles('admin')
  @ApiOkResponse({ type: [AlertChannelView] })
  list(@CurrentPrincipal() p: Principal): Promise<AlertChannelView[]> {
    return this.channels.list(p.merchantId);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiNotFoundResponse({ description: 'no such channel of this merchant' })
  async remove(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<void> {
    await this.channels.remove(p.merchantId, id);
    await this.audit.record(p, 'alert_channel.delete', { type: 'alert_channel', id }, {});
  }

  @Post(':id/test')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a test message; returns the tool’s answer' })
  @ApiOkResponse({ type: AlertChannelTestView })
  @ApiBadGatewayResponse({ description: "the tool refused it (e.g. DingTalk 310000 sign not match) or did not answer: its code in `channel.code`" })
  test(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<AlertChannelTestView> {
    return this.channels.test(p.merchantId, id);
  }
}

/** The operator's channels: every merchant's alerts go there too. Operator token only (merchant keys: 403). */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('operator/alert-channels')
@Public()
@UseGuards(OperatorGuard)
export class OperatorAlertChannelsController {
  constructor(private readonly channels: AlertChannelsService) {}

  @Post()
  @ApiCreatedResponse({ type: AlertChannelView })
  create(@Body() dto: CreateAlertChannelDto): Promise<AlertChannelView> {
    return this.channels.create(null, null, dto);
  }

  @Get()
  @ApiOkResponse({ type: [AlertChannelView] })
  list(): Promise<AlertChannelView[]> {
    return this.channels.list(null);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@UuidParam('id') id: string): Promise<void> {
    return this.channels.remove(null, id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOkResponse({ type: AlertChannelTestView })
  test(@UuidParam('id') id: string): Promise<AlertChannelTestView> {
    return this.channels.test(null, id);
  }
}
