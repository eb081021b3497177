import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type Platform } from '@app/contracts';
import { platformNames } from '@app/platforms';

// the registry's platforms (libs/platforms/src/registry.ts)
const PLATFORMS = platformNames();
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class AuthorizeShopDto {
  @ApiProperty({ enum: PLATFORMS })
  @IsIn(PLATFORMS, { message: `platform must be one of: ${PLATFORMS.join(', ')}` })
  platform: Platform;

  @ApiPropertyOptional({ description: "the app to authorise: default the operator's service-provider app of the platform; else one of the merchant's own apps" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  appKey?: string;
}

export class AuthorizeShopView {
  @ApiProperty({ description: "the platform's authorisation page: send the shop's owner there" }) authorizeUrl: string;
  @ApiProperty({ description: 'single-use, bound to this merchant; the platform hands it back to the callback' }) state: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt: string;
}
