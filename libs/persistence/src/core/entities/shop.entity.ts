import type { Platform, ShopStatus } from '@app/contracts';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Merchant } from './merchant.entity';

/** What the encrypted `credentials` blob holds (JSON, sealed with the row id as associated data). */
export interface ShopSecrets {
  /**
   * only in shops registered before core.platform_apps (the app's secret now lives there, or in PLATFORM_APPS
   * for the operator's apps); null in every newer row
   */
  appSecret: string | null;
  accessToken: string | null;
  refreshToken: string | null;
}

@Entity({ schema: 'core', name: 'shops' })
@Unique('uq_shops_platform_platform_shop_id', ['platform', 'platformShopId'])
@Index('idx_shops_app_key', ['appKey'])
@Index('idx_shops_merchant_id', ['merchantId'])
export class Shop {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_shops' })
  id: string;

  @Column({ name: 'merchant_id', type: 'uuid' })
  merchantId: string;

  @ManyToOne(() => Merchant, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'merchant_id', foreignKeyConstraintName: 'fk_shops_merchant_id' })
  merchant?: Merchant;

  @Column({ type: 'text' })
  platform: Platform;

  @Column({ name: 'platform_shop_id', type: 'text' })
  platformShopId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'app_key', type: 'text' })
  appKey: string;

  /** SecretBox blob of ShopSecrets; never serialised (see toJSON) */
  @Column({ type: 'bytea' })
  credentials: Buffer;

  @Column({ name: 'token_expires_at', type: 'timestamptz', nullable: true })
  tokenExpiresAt: Date | null;

  /** when the grant (refresh token) ends for good, where the platform says (Kuaishou's fixed 180 days); null: not said */
  @Column({ name: 'refresh_token_expires_at', type: 'timestamptz', nullable: true })
  refreshTokenExpiresAt: Date | null;

  @Column({ type: 'text', default: 'active' })
  status: ShopStatus;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  /** where the shop ships from (province); null with locationCity when not set (ck_shops_location) */
  @Column({ name: 'location_state', type: 'text', nullable: true })
  locationState: string | null;

  /** where the shop ships from (city); null with locationState when not set */
  @Column({ name: 'location_city', type: 'text', nullable: true })
  locationCity: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Keeps the encrypted blob out of any JSON made from the entity (logs, responses). */
  toJSON(): Omit<Shop, 'credentials' | 'toJSON' | 'merchant'> {
    const { credentials: _credentials, merchant: _merchant, ...rest } = this;
    return rest as Omit<Shop, 'credentials' | 'toJSON' | 'merchant'>;
  }
}
