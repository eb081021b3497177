import { ApiProperty } from '@nestjs/swagger';
import { type Platform } from '@app/contracts';
import { platformNames } from '@app/platforms';

// the registry's platforms (libs/platforms/src/registry.ts)
const PLATFORMS = platformNames();
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** A merchant's self-developed app: the key and the one secret it has in the whole deployment. */
export class RegisterPlatformAppDto {
  @ApiProperty({ enum: PLATFORMS })
  @IsIn(PLATFORMS, { message: `platform must be one of: ${PLATFORMS.join(', ')}` })
  platform: Platform;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  appKey: string;

  @ApiProperty({ writeOnly: true, description: 'stored encrypted, never returned' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  appSecret: string;
}

export class PlatformAppView {
  @ApiProperty({ enum: PLATFORMS }) platform: Platform;
  @ApiProperty() appKey: string;
}
