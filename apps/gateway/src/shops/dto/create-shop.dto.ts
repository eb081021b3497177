import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PLATFORMS, type Platform } from '@app/contracts';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';

export const BASE_URL_OPTIONS: NonNullable<Parameters<typeof IsUrl>[0]> = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

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

  @ApiProperty({ description: 'the open-platform app key (public)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  appKey: string;

  @ApiProperty({ description: 'the app secret; stored encrypted, never returned', writeOnly: true })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  appSecret: string;

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

  @ApiPropertyOptional({ description: "platform API base URL; default: the platform's production host" })
  @IsOptional()
  @IsUrl(BASE_URL_OPTIONS)
  @MaxLength(500)
  baseUrl?: string;
}
