import type { ErpConnectionKind } from '@app/erp';
import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Merchant } from './merchant.entity';

/** `pull`: nothing is pushed; the merchant's ERP pulls GET /erp/orders and acks (list: ERP_CONNECTION_KINDS, @app/erp). */
export type ErpConnectionConnector = ErpConnectionKind;

/** What the encrypted `credentials` blob holds (JSON, sealed with the merchant id as associated data). */
export interface ErpConnectionSecrets {
  /** generic-http: the shared HMAC secret */
  secret?: string;
  /** jushuitan */
  appSecret?: string;
  accessToken?: string;
}

/** A merchant's ERP (core.erp_connections). Absent row: the environment's ERP (single-merchant deployments). */
@Entity({ schema: 'core', name: 'erp_connections' })
export class ErpConnection {
  @PrimaryColumn({ name: 'merchant_id', type: 'uuid', primaryKeyConstraintName: 'pk_erp_connections' })
  merchantId: string;

  @OneToOne(() => Merchant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'merchant_id', foreignKeyConstraintName: 'fk_erp_connections_merchant_id' })
  merchant?: Merchant;

  @Column({ type: 'text' })
  connector: ErpConnectionConnector;

  @Column({ name: 'base_url', type: 'text', nullable: true })
  baseUrl: string | null;

  /** jushuitan app key (public) */
  @Column({ name: 'app_key', type: 'text', nullable: true })
  appKey: string | null;

  /** jushuitan: our shop id -> Jushuitan shop number */
  @Column({ name: 'shop_id_map', type: 'jsonb', nullable: true })
  shopIdMap: Record<string, string | number> | null;

  /** SecretBox blob of ErpConnectionSecrets; never serialised (see toJSON) */
  @Column({ type: 'bytea', nullable: true })
  credentials: Buffer | null;

  @Column({ name: 'batch_size', type: 'int', default: 50 })
  batchSize: number;

  @Column({ name: 'timeout_ms', type: 'int', default: 5000 })
  timeoutMs: number;

  /** ERP calls in flight at most (per order-sync process); null: the deployment's ERP_MAX_IN_FLIGHT */
  @Column({ name: 'max_in_flight', type: 'int', nullable: true })
  maxInFlight: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** the API key that last changed the row */
  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy: string | null;

  /** Keeps the encrypted blob out of any JSON made from the entity (logs, responses). */
  toJSON(): Omit<ErpConnection, 'credentials' | 'toJSON' | 'merchant'> {
    const { credentials: _c, merchant: _m, ...rest } = this;
    return rest as Omit<ErpConnection, 'credentials' | 'toJSON' | 'merchant'>;
  }
}
