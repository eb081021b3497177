import type { Role } from '@app/contracts';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { Merchant } from './merchant.entity';

/** An API key. Only the sha256 of its secret part is stored; the key itself is shown once. */
@Entity({ schema: 'core', name: 'api_keys' })
@Unique('uq_api_keys_key_hash', ['keyHash'])
@Index('idx_api_keys_prefix', ['prefix'])
@Index('idx_api_keys_merchant_id', ['merchantId'])
export class ApiKey {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_api_keys' })
  id: string;

  @Column({ name: 'merchant_id', type: 'uuid' })
  merchantId: string;

  @ManyToOne(() => Merchant, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'merchant_id', foreignKeyConstraintName: 'fk_api_keys_merchant_id' })
  merchant?: Merchant;

  @Column({ type: 'text' })
  name: string;

  /** the key's public part (`osk_<prefix>`), shown in listings */
  @Column({ type: 'text' })
  prefix: string;

  /** hex sha256 of the secret part */
  @Column({ name: 'key_hash', type: 'text' })
  keyHash: string;

  @Column({ type: 'text', array: true })
  roles: Role[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  /** optional: from this instant the key is refused (401 saying it expired) */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  toJSON(): Omit<ApiKey, 'keyHash' | 'toJSON' | 'merchant'> {
    const { keyHash: _keyHash, merchant: _merchant, ...rest } = this;
    return rest as Omit<ApiKey, 'keyHash' | 'toJSON' | 'merchant'>;
  }
}
