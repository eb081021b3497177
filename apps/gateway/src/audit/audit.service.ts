import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AuditLogEntry } from '@app/persistence';
import type { Repository } from 'typeorm';
import type { Principal } from '../auth/principal';

/** What an action was done to: `'shop:<id>'`-style strings, or a type with an optional id. */
export type AuditTarget = string | { type: string; id?: string | null };

export interface AuditPage {
  items: AuditLogEntry[];
  /** pass as ?cursor= for the next (older) page; null at the end */
  nextCursor: string | null;
}

/** `'shop:123'` -> { type: 'shop', id: '123' }; `'erp_connection'` -> { type, id: null }. */
function splitTarget(target: AuditTarget): { type: string; id: string | null } {
  if (typeof target !== 'string') return { type: target.type, id: target.id ?? null };
  const i = target.indexOf(':');
  return i < 0 ? { type: target, id: null } : { type: target.slice(0, i), id: target.slice(i + 1) };
}

/**
 * The audit log of a merchant: admin actions (keys created/revoked, shops changed, ERP connection changed)
 * and buyer-data reads, each with the acting key. Any feature records through `record`; the merchant's admin
 * reads it at GET /audit-log. Details hold field names, counts and cursors — never secrets or buyer data.
 */
@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditLogEntry) private readonly log: Repository<AuditLogEntry>) {}

  async record(principal: Principal, action: string, target: AuditTarget, details: Record<string, unknown> = {}): Promise<void> {
    const { type, id } = splitTarget(target);
    // the platform operator acting for the merchant has no key: recorded as the actor in the details
    const actor = principal.operator ? { actorKeyId: null, details: { ...details, actor: 'operator' } } : { actorKeyId: principal.keyId, details };
    const row = this.log.create({ merchantId: principal.merchantId, action, targetType: type, targetId: id, ...actor });
    await this.log.save(row, { reload: false, transaction: false });
  }

  /** Newest first, this merchant's rows only. */
  async page(merchantId: string, opts: { limit: number; cursor?: string }): Promise<AuditPage> {
    const q = this.log
      .createQueryBuilder('a')
      .where('a.merchant_id = :merchantId', { merchantId })
      .orderBy('a.id', 'DESC')
      .limit(opts.limit + 1);
    if (opts.cursor !== undefined) q.andWhere('a.id < :cursor', { cursor: opts.cursor });
    const rows = await q.getMany();
    const items = rows.slice(0, opts.limit);
    return { items, nextCursor: rows.length > opts.limit ? items[items.length - 1].id : null };
  }
}
