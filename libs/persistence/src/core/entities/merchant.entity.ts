import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'core', name: 'merchants' })
export class Merchant {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_merchants' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
