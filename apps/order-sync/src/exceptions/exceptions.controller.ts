import { Body, Controller, Get, HttpCode, Param, Post, UsePipes, ValidationPipe } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { OpsException } from '@app/contracts';
import { RequiresRole } from '../ops/roles';
import { MerchantId } from '../shared/merchant-id.decorator';
import { ExceptionsService } from './exceptions.service';

export class ResolveExceptionDto {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

/** order-sync's exceptions of the caller's merchant (the gateway merges them with the other services'). */
@Controller('exceptions')
@RequiresRole('ops', 'admin')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
export class ExceptionsController {
  constructor(private readonly exceptions: ExceptionsService) {}

  @Get()
  async list(@MerchantId() merchantId: string): Promise<{ exceptions: OpsException[] }> {
    return { exceptions: await this.exceptions.list(merchantId) };
  }

  @Post(':key/resolve')
  @HttpCode(200)
  resolve(@MerchantId() merchantId: string, @Param('key') key: string, @Body() body: ResolveExceptionDto): Promise<{ key: string; resolved: true }> {
    return this.exceptions.resolve(merchantId, key, body.note ?? null);
  }

  @Post(':key/retry')
  @HttpCode(200)
  retry(@MerchantId() merchantId: string, @Param('key') key: string): Promise<{ key: string; retried: true }> {
    return this.exceptions.retry(merchantId, key);
  }
}
