import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One admin action or buyer-data read: who (the acting API key), what, on which target. */
@Entity({ schema: 'core', name: 'audit_log' })
@Index('idx_audit_log_merchant_id_id', ['merchantId', 'id'])
export class AuditLogEntry {
  /** bigint identity: the order of the log and the page cursor (string: bigint does not fit a JS number) */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_audit_log' })
  id: string;

  @Column({ name: 'merchant_id', type: 'uuid' })
  merchantId: string;

  /** null for actions without a key (operator CLI) */
  @Column({ name: 'actor_key_id', type: 'uuid', nullable: true })
  actorKeyId: string | null;

  /** dotted verb, e.g. `api_key.create`, `shop.update`, `erp_orders.read` */
  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'target_type', type: 'text' })
  targetType: string;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  /** never secrets or buyer data: names of changed fields, counts, cursors */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  details: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
