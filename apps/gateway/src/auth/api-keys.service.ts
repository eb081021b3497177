import { randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Role } from '@app/contracts';
import { ApiKey } from '@app/persistence';
import type { Repository } from 'typeorm';
import { displayPrefix, generateApiKey, hashApiKeySecret, parseApiKey, sameHash } from './api-key-format';
import type { Principal } from './principal';

export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired'; message: string };

const LAST_USED_RESOLUTION_SEC = 60;
/** this process remembers when it last wrote a key's last_used_at: the write (and its query) at most once a minute */
const TOUCH_MEMORY_MAX = 10_000;

@Injectable()
export class ApiKeysService {
  private readonly touchedAt = new Map<string, number>();

  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(merchantId: string, name: string, roles: Role[], expiresAt: Date | null = null): Promise<{ apiKey: ApiKey; key: string }> {
    const fresh = generateApiKey();
    const apiKey = this.keys.create({
      id: randomUUID(),
      merchantId,
      name,
      prefix: fresh.prefix,
      keyHash: fresh.keyHash,
      roles: [...new Set(roles)],
      lastUsedAt: null,
      expiresAt,
      revokedAt: null,
    });
    await this.keys.insert(apiKey);
    const stored = await this.keys.findOneByOrFail({ id: apiKey.id });
    return { apiKey: stored, key: fresh.key };
  }

  list(merchantId: string): Promise<ApiKey[]> {
    return this.keys.find({ where: { merchantId }, order: { createdAt: 'ASC' } });
  }

  /** Revokes a key of this merchant (idempotent); another merchant's key id is "not found". */
  async revoke(merchantId: string, id: string): Promise<ApiKey> {
    const key = await this.keys.findOneBy({ id, merchantId });
    if (!key) throw new NotFoundException(`api key ${id} not found`);
    if (key.revokedAt === null) {
      await this.keys.update({ id }, { revokedAt: () => 'now()' });
    }
    return this.keys.findOneByOrFail({ id });
  }

  async authenticate(raw: string): Promise<AuthResult> {
    const parsed = parseApiKey(raw);
    if (!parsed) {
      return { ok: false, reason: 'malformed', message: 'malformed API key: expected "Authorization: Bearer osk_<prefix>_<secret>"' };
    }
    const hash = hashApiKeySecret(parsed.secret);
    const candidates = await this.keys.findBy({ prefix: parsed.prefix });
    const match = candidates.find((k) => sameHash(k.keyHash, hash));
    if (!match) return { ok: false, reason: 'unknown', message: 'unknown API key' };
    if (match.revokedAt !== null) {
      return { ok: false, reason: 'revoked', message: `API key ${displayPrefix(match.prefix)} has been revoked` };
    }
    if (match.expiresAt !== null && match.expiresAt.getTime() <= Date.now()) {
      return { ok: false, reason: 'expired', message: `API key ${displayPrefix(match.prefix)} expired at ${match.expiresAt.toISOString()}` };
    }
    await this.touch(match.id);
    return { ok: true, principal: { merchantId: match.merchantId, keyId: match.id, roles: match.roles } };
  }

  /**
   * last_used_at at one-minute resolution: this process skips the query within a minute of its last write for
   * the key, and the WHERE keeps several processes to one write per key per minute.
   */
  private async touch(id: string): Promise<void> {
    const now = Date.now();
    const last = this.touchedAt.get(id);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_SEC * 1000) return;
    if (this.touchedAt.size >= TOUCH_MEMORY_MAX) this.touchedAt.clear();
    this.touchedAt.set(id, now);
    await this.keys
      .createQueryBuilder()
      .update(ApiKey)
      .set({ lastUsedAt: () => 'now()' })
      .where('id = :id', { id })
      .andWhere(`(last_used_at IS NULL OR last_used_at < now() - make_interval(secs => :sec))`, { sec: LAST_USED_RESOLUTION_SEC })
      .execute();
  }
}
