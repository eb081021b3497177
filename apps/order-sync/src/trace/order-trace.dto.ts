import { IsIn, IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { platformNames } from '@app/platforms';
import type { Platform } from '@app/contracts';

const PLATFORMS = platformNames();

export class OrderIdParamDto {
  @IsUUID('all', { message: 'id must be an order UUID (or use GET /orders/trace?platform=&platformOrderId=)' })
  id!: string;
}

export class PlatformOrderQueryDto {
  @IsIn(PLATFORMS, { message: `platform must be one of: ${PLATFORMS.join(', ')}` })
  platform!: Platform;

  @IsString()
  @IsNotEmpty({ message: 'platformOrderId must be the platform order id' })
  @MaxLength(128)
  platformOrderId!: string;
}
