import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SHOP_STATUSES, type Platform, type ShopStatus } from '@app/contracts';
import { platformNames } from '@app/platforms';

// the registry's platforms (libs/platforms/src/registry.ts)
const PLATFORMS = platformNames();
import type { Shop, ShopSecrets } from '@app/persistence';
import { ShopLocationDto } from './shop-location.dto';

/** A shop as the API shows it: which credentials are present, never their values. */
export class ShopView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) merchantId: string;
  @ApiProperty({ enum: PLATFORMS }) platform: Platform;
  @ApiProperty() platformShopId: string;
  @ApiProperty() name: string;
  @ApiProperty() appKey: string;
  @ApiProperty({ enum: SHOP_STATUSES }) status: ShopStatus;
  @ApiPropertyOptional({ type: String, nullable: true }) statusReason: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) tokenExpiresAt: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: "when the grant ends for good (the platform's refresh-token end, Kuaishou's fixed 180 days): then only a new authorisation helps" })
  refreshTokenExpiresAt: string | null;
  @ApiPropertyOptional({ type: ShopLocationDto, nullable: true, description: 'where the shop ships from; null: not set' })
  location: ShopLocationDto | null;
  @ApiProperty({ enum: ['ok', 'unreadable'], description: "'unreadable': the stored credentials do not decrypt with SECRETS_KEY" })
  credentials: 'ok' | 'unreadable';
  @ApiProperty() hasAccessToken: boolean;
  @ApiProperty() hasRefreshToken: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: string;

  static of(s: Shop, secrets: ShopSecrets | null): ShopView {
    return Object.assign(new ShopView(), {
      id: s.id,
      merchantId: s.merchantId,
      platform: s.platform,
      platformShopId: s.platformShopId,
      name: s.name,
      appKey: s.appKey,
      status: s.status,
      statusReason: s.statusReason,
      tokenExpiresAt: s.tokenExpiresAt?.toISOString() ?? null,
      refreshTokenExpiresAt: s.refreshTokenExpiresAt?.toISOString() ?? null,
      location: s.locationState !== null && s.locationCity !== null ? { state: s.locationState, city: s.locationCity } : null,
      credentials: secrets ? 'ok' : 'unreadable',
      hasAccessToken: secrets?.accessToken != null,
      hasRefreshToken: secrets?.refreshToken != null,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    });
  }
}
