import { Body, Controller, Get, HttpCode, Param, Post, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { OpsException } from '@app/contracts';
import { CatalogRoles, MerchantContextGuard, MerchantId } from '../catalog/auth/merchant-context.guard';
import { CatalogExceptionsService } from './catalog-exceptions.service';

export class ResolveCatalogExceptionDto {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

/** catalog-sync's exceptions of the caller's merchant (the gateway merges them with the other services'). */
@Controller('exceptions')
@UseGuards(MerchantContextGuard)
@CatalogRoles('ops', 'admin', 'merchandiser')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
export class CatalogExceptionsController {
  constructor(private readonly exceptions: CatalogExceptionsService) {}

  @Get()
  async list(@MerchantId() merchantId: string): Promise<{ exceptions: OpsException[] }> {
    return { exceptions: await this.exceptions.list(merchantId) };
  }

  @Post(':key/resolve')
  @HttpCode(200)
  resolve(@MerchantId() merchantId: string, @Param('key') key: string, @Body() body: ResolveCatalogExceptionDto): Promise<{ key: string; resolved: true }> {
    return this.exceptions.resolve(merchantId, key, body.note ?? null);
  }

  @Post(':key/retry')
  @HttpCode(200)
  retry(@MerchantId() merchantId: string, @Param('key') key: string): Promise<{ key: string; retried: true; runId: string }> {
    return this.exceptions.retry(merchantId, key);
  }
}
