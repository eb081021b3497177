import { inspect } from 'node:util';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { SecretBox, SecretBoxError } from '../crypto/secret-box';
import { ErpConnection, type ErpConnectionConnector, type ErpConnectionSecrets } from '../core/entities/erp-connection.entity';
import { openErpSecrets } from '../core/erp-connection-secrets';

/** DI token: how long (ms) a merchant's ERP connection stays cached in memory. Default 10 s. */
export const ERP_DIRECTORY_CACHE_TTL_MS = Symbol('ERP_DIRECTORY_CACHE_TTL_MS');
const DEFAULT_TTL_MS = 10_000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A merchant's ERP connection with its secrets decrypted (in memory only; prints redacted). */
export interface MerchantErpConnection {
  merchantId: string;
  connector: ErpConnectionConnector;
  baseUrl: string | null;
  appKey: string | null;
  shopIdMap: Record<string, string | number> | null;
  batchSize: number;
  timeoutMs: number;
  /** ERP calls in flight at most; null: the deployment's default */
  maxInFlight: number | null;
  /** changes whenever the row changes: whoever builds a connector from it rebuilds on a new stamp */
  stamp: string;
  secrets: ErpConnectionSecrets;
}

interface Cached {
  value: MerchantErpConnection | null;
  expiresAt: number;
}

/**
 * Merchant -> ERP connection over `core.erp_connections`, cached for a short TTL (a miss is cached too:
 * most merchants of a single-merchant deployment have no row and use the environment's ERP).
 * `invalidate` drops one merchant at once in this process; other processes see a change within the TTL.
 */
@Injectable()
export class ErpConnectionDirectory {
  private readonly cache = new Map<string, Cached>();
  private readonly ttlMs: number;

  constructor(
    @InjectRepository(ErpConnection) private readonly rows: Repository<ErpConnection>,
    private readonly box: SecretBox,
    @Optional() @Inject(ERP_DIRECTORY_CACHE_TTL_MS) ttlMs?: number,
  ) {
    this.ttlMs = ttlMs ?? DEFAULT_TTL_MS;
  }

  /** null: no row (or no merchant) — deliver with the environment's default ERP */
  async get(merchantId: string | null): Promise<MerchantErpConnection | null> {
    if (merchantId === null || !UUID_RE.test(merchantId)) return null;
    const hit = this.cache.get(merchantId);
    if (hit && hit.expiresAt > Date.now()) return hit.value;
    const row = await this.rows.findOneBy({ merchantId });
    const value = row ? this.toConnection(row) : null;
    this.cache.set(merchantId, { value, expiresAt: Date.now() + this.ttlMs });
    return value;
  }

  invalidate(merchantId: string): void {
    this.cache.delete(merchantId);
  }

  private toConnection(row: ErpConnection): MerchantErpConnection {
    let secrets: ErpConnectionSecrets;
    try {
      secrets = openErpSecrets(this.box, row);
    } catch (e) {
      if (e instanceof SecretBoxError) {
        throw new SecretBoxError(e.code, `ERP credentials of merchant ${row.merchantId} cannot be decrypted: ${e.message}`);
      }
      throw e;
    }
    return Object.freeze({
      merchantId: row.merchantId,
      connector: row.connector,
      baseUrl: row.baseUrl,
      appKey: row.appKey,
      shopIdMap: row.shopIdMap,
      batchSize: row.batchSize,
      timeoutMs: row.timeoutMs,
      maxInFlight: row.maxInFlight ?? null,
      stamp: row.updatedAt.toISOString(),
      secrets: redacted(secrets),
    });
  }
}

/** Secrets that print as redacted in JSON (pino, JSON.stringify) and util.inspect (console). */
function redacted(s: ErpConnectionSecrets): ErpConnectionSecrets {
  const safe = () => Object.fromEntries(Object.keys(s).map((k) => [k, '[redacted]']));
  Object.defineProperty(s, 'toJSON', { value: safe, enumerable: false });
  Object.defineProperty(s, inspect.custom, { value: () => `ErpConnectionSecrets ${inspect(safe())}`, enumerable: false });
  return Object.freeze(s);
}
