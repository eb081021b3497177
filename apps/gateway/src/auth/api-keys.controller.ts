import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { ApiKeysService } from './api-keys.service';
import { CurrentPrincipal, Roles } from './decorators';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ApiKeyView, CreatedApiKeyView } from './dto/api-key.view';
import type { Principal } from './principal';
import { UuidParam } from './uuid-param';

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyView, description: 'the key is in `key`, shown this once' })
  async create(@CurrentPrincipal() who: Principal, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    const expiresAt = dto.expiresAt === undefined ? null : new Date(dto.expiresAt);
    const { apiKey, key } = await this.apiKeys.create(who.merchantId, dto.name, dto.roles, expiresAt);
    await this.audit.record(who, 'api_key.create', { type: 'api_key', id: apiKey.id }, {
      name: apiKey.name,
      roles: apiKey.roles,
      expiresAt: apiKey.expiresAt?.toISOString() ?? null,
    });
    return CreatedApiKeyView.withKey(apiKey, key);
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyView, isArray: true })
  async list(@CurrentPrincipal() who: Principal): Promise<ApiKeyView[]> {
    return (await this.apiKeys.list(who.merchantId)).map((k) => ApiKeyView.of(k));
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOkResponse({ type: ApiKeyView, description: 'the revoked key' })
  async revoke(@CurrentPrincipal() who: Principal, @UuidParam('id') id: string): Promise<ApiKeyView> {
    const revoked = await this.apiKeys.revoke(who.merchantId, id);
    await this.audit.record(who, 'api_key.revoke', { type: 'api_key', id }, { name: revoked.name });
    return ApiKeyView.of(revoked);
  }
}
