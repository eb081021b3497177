import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { ErpConnectionView, ErpTestView } from './dto/erp-connection.view';
import { PutErpConnectionDto, TestErpConnectionDto } from './dto/put-erp-connection.dto';
import { ErpConnectionService } from './erp-connection.service';

/** The caller's merchant's ERP connection: its admin's resource. Secrets are write-only. */
@ApiTags('erp-connection')
@ApiBearerAuth()
@Controller('erp-connection')
export class ErpConnectionController {
  constructor(private readonly erp: ErpConnectionService) {}

  @Get()
  @Roles('admin')
  @ApiOkResponse({ type: ErpConnectionView, description: 'configured: false when the merchant uses the default (environment) ERP' })
  get(@CurrentPrincipal() who: Principal): Promise<ErpConnectionView> {
    return this.erp.get(who.merchantId);
  }

  @Put()
  @Roles('admin')
  @ApiOkResponse({ type: ErpConnectionView })
  @ApiBadRequestResponse({ description: 'every bad or missing field, named' })
  put(@CurrentPrincipal() who: Principal, @Body() dto: PutErpConnectionDto): Promise<ErpConnectionView> {
    return this.erp.put(who.merchantId, who.keyId, dto);
  }

  @Post('test')
  @Roles('admin')
  @HttpCode(200)
  @ApiOkResponse({ type: ErpTestView, description: 'the signed request the ERP gets for a sample order; with send: true also its answer' })
  @ApiNotFoundResponse({ description: 'the merchant has no ERP connection of its own' })
  @ApiConflictResponse({ description: 'connector pull, or stored secrets unreadable' })
  test(@CurrentPrincipal() who: Principal, @Body() dto: TestErpConnectionDto): Promise<ErpTestView> {
    return this.erp.test(who.merchantId, dto.send === true);
  }
}
