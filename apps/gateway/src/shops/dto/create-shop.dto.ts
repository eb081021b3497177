import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type Platform } from '@app/contracts';
import { platformNames } from '@app/platforms';

// the registry's platforms (libs/platforms/src/registry.ts)
const PLATFORMS = platformNames();
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { ShopLocationDto } from './shop-location.dto';

/**
 * A shop with pasted credentials. The appKey must be the operator's service-provider app (then no appSecret:
 * the operator configures it) or the merchant's own app (its appSecret registers it on first use; another
 * merchant's app key is a 409). There is no base URL: that is operator configuration per platform.
 */

export class CreateShopDto {
  @ApiProperty({ enum: PLATFORMS })
  @IsIn(PLATFORMS, { message: `platform must be one of: ${PLATFORMS.join(', ')}` })
  platform: Platform;

  @ApiProperty({ description: "the platform's own shop id, as a string", example: '73492001' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  platformShopId: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ description: "the open-platform app key (public): the operator's service-provider app or the merchant's own app" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  appKey: string;

  @ApiPropertyOptional({
    description: "the merchant's own app's secret (registers the app on first use); never for the operator's app. Stored encrypted, never returned",
    writeOnly: true,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  appSecret?: string;

  @ApiPropertyOptional({ writeOnly: true })
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

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'when the access token expires' })
  @IsOptional()
  @IsISO8601({ strict: true })
  tokenExpiresAt?: string;

  @ApiPropertyOptional({
    type: ShopLocationDto,
    description: "where the shop ships from; required before a Taobao shop can publish new products (taobao.item.add)",
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ShopLocationDto)
  location?: ShopLocationDto;
}
