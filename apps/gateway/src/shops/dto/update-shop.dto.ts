import { ApiPropertyOptional } from '@nestjs/swagger';
import { SHOP_STATUSES, type ShopStatus } from '@app/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { ShopLocationDto } from './shop-location.dto';

/** Rotate credentials, rename, or change status. Absent fields stay as they are. No base URL: operator configuration. */
export class UpdateShopDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  appKey?: string;

  @ApiPropertyOptional({ writeOnly: true, description: "a new secret of the merchant's own app (all its shops use it); never for the operator's app" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  appSecret?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'a new access token; re-activates a needs_reauth shop' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  accessToken?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  refreshToken?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  tokenExpiresAt?: string;

  @ApiPropertyOptional({ enum: SHOP_STATUSES })
  @IsOptional()
  @IsIn(SHOP_STATUSES, { message: `status must be one of: ${SHOP_STATUSES.join(', ')}` })
  status?: ShopStatus;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  statusReason?: string;

  @ApiPropertyOptional({
    type: ShopLocationDto,
    nullable: true,
    description: 'where the shop ships from (both state and city); null clears it. Used by new Taobao listings (taobao.item.add)',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ShopLocationDto)
  location?: ShopLocationDto | null;
}
