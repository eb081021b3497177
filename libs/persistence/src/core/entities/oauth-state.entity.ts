import type { Platform } from '@app/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A pending shop authorisation: the SHA-256 of its state, bound to a merchant, single use, expiring. */
@Entity({ schema: 'core', name: 'oauth_states' })
@Index('idx_oauth_states_expires_at', ['expiresAt'])
export class OauthState {
  @PrimaryColumn({ name: 'state_hash', type: 'text', primaryKeyConstraintName: 'pk_oauth_states' })
  stateHash: string;

  @Column({ name: 'merchant_id', type: 'uuid' })
  merchantId: string;

  @Column({ type: 'text' })
  platform: Platform;

  @Column({ name: 'app_key', type: 'text' })
  appKey: string;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
