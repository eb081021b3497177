import type { Platform } from '@app/contracts';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Merchant } from './merchant.entity';

/**
 * A merchant's self-developed platform app: one row, one secret, one owner per (platform, app key) in the whole
 * deployment. The operator's ISV apps are configuration (PLATFORM_APPS), not rows.
 */
@Entity({ schema: 'core', name: 'platform_apps' })
@Unique('uq_platform_apps_platform_app_key', ['platform', 'appKey'])
@Index('idx_platform_apps_merchant_id', ['merchantId'])
export class PlatformApp {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_platform_apps' })
  id: string;

  @Column({ type: 'text' })
  platform: Platform;

  @Column({ name: 'app_key', type: 'text' })
  appKey: string;

  @Column({ name: 'merchant_id', type: 'uuid' })
  merchantId: string;

  @ManyToOne(() => Merchant, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'merchant_id', foreignKeyConstraintName: 'fk_platform_apps_merchant_id' })
  merchant?: Merchant;

  /** SecretBox blob of the app secret (AAD platformAppSecretAad); null for apps carried over from shops (legacy) */
  @Column({ type: 'bytea', nullable: true })
  secret: Buffer | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  toJSON(): Omit<PlatformApp, 'secret' | 'toJSON' | 'merchant'> {
    const { secret: _secret, merchant: _merchant, ...rest } = this;
    return rest as Omit<PlatformApp, 'secret' | 'toJSON' | 'merchant'>;
  }
}
