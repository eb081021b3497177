import { inspect } from 'node:util';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Platform } from '@app/contracts';
import {
  PLATFORM_OPERATOR_CONFIG,
  ShopDirectory,
  type PlatformOperatorConfig,
  type RefreshOutcome,
  type ShopContext,
  type ShopCredentials,
  type StoredTokens,
  type TokenSet,
} from '@app/platforms';
import { Not, type Repository } from 'typeorm';
import { SecretBox, SecretBoxError } from '../crypto/secret-box';
import { Shop } from '../core/entities/shop.entity';
import { openShopSecrets, sealShopSecrets } from '../core/shop-secrets';
import { PlatformAppRegistry } from './platform-app-registry.service';

/** DI token: how long (ms) decrypted shop contexts stay cached in memory. Default 10 s. */
export const SHOP_DIRECTORY_CACHE_TTL_MS = Symbol('SHOP_DIRECTORY_CACHE_TTL_MS');
const DEFAULT_TTL_MS = 10_000;
const MAX_REASON_LENGTH = 500;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/**
 * ShopDirectory over `core.shops`. Credentials are decrypted only into memory and kept in a short
 * cache, dropped on saveTokens / markNeedsReauth / invalidate. Disabled shops are invisible to
 * get / findByPlatformShopId / appSecret; listActive returns status 'active' only.
 */
@Injectable()
export class ShopDirectoryService extends ShopDirectory {
  private readonly logger = new Logger(ShopDirectoryService.name);
  private readonly byId = new Map<string, Cached<ShopContext>>();
  private readonly byPlatformShopId = new Map<string, Cached<ShopContext>>();
  private readonly secretsByAppKey = new Map<string, Cached<string>>();
  private readonly ttlMs: number;

  constructor(
    @InjectRepository(Shop) private readonly shops: Repository<Shop>,
    private readonly box: SecretBox,
    private readonly apps: PlatformAppRegistry,
    @Inject(PLATFORM_OPERATOR_CONFIG) private readonly operator: PlatformOperatorConfig,
    @Optional() @Inject(SHOP_DIRECTORY_CACHE_TTL_MS) ttlMs?: number,
  ) {
    super();
    this.ttlMs = ttlMs ?? DEFAULT_TTL_MS;
  }

  async get(shopId: string): Promise<ShopContext | null> {
    if (!UUID_RE.test(shopId)) return null;
    const hit = this.fresh(this.byId.get(shopId));
    if (hit) return hit;
    const shop = await this.shops.findOneBy({ id: shopId, status: Not('disabled') });
    return shop ? this.rememberOne(shop) : null;
  }

  async findByPlatformShopId(platform: Platform, platformShopId: string): Promise<ShopContext | null> {
    const hit = this.fresh(this.byPlatformShopId.get(`${platform}/${platformShopId}`));
    if (hit) return hit;
    const shop = await this.shops.findOneBy({ platform, platformShopId, status: Not('disabled') });
    return shop ? this.rememberOne(shop) : null;
  }

  async appSecret(platform: Platform, appKey: string): Promise<string | null> {
    const key = `${platform}/${appKey}`;
    const hit = this.fresh(this.secretsByAppKey.get(key));
    if (hit !== null) return hit;
    // the operator's ISV app or the one merchant's own app; never "the newest shop of any merchant"
    const secret = await this.apps.secretFor(platform, appKey);
    if (secret === null) return null;
    this.secretsByAppKey.set(key, { value: secret, expiresAt: Date.now() + this.ttlMs });
    return secret;
  }

  async listActive(platform?: Platform): Promise<ShopContext[]> {
    const rows = await this.shops.find({
      where: platform ? { status: 'active', platform } : { status: 'active' },
      order: { createdAt: 'ASC' },
    });
    const out: ShopContext[] = [];
    let secrets: Map<string, string | null>;
    try {
      secrets = await this.apps.secretsForShops(rows);
    } catch (e) {
      if (!(e instanceof SecretBoxError)) throw e;
      // an unreadable row among them: resolve one by one so the others still run
      secrets = new Map();
      for (const shop of rows) secrets.set(shop.id, await this.apps.secretsForShops([shop]).then((m) => m.get(shop.id) ?? null, () => null));
    }
    for (const shop of rows) {
      try {
        const ctx = this.remember(shop, secrets.get(shop.id) ?? null);
        if (ctx) out.push(ctx);
      } catch (e) {
        // one unreadable row must not stop every other shop; get(shopId) still throws for it
        if (!(e instanceof SecretBoxError)) throw e;
        this.logger.error(`shop ${shop.id}: credentials cannot be decrypted (${e.code}); skipped`);
      }
    }
    return out;
  }

  /** one row: a digest of the active shops' ids (ids only, nothing decrypted) */
  override async activeShopsVersion(): Promise<string> {
    const rows: { v: string | null }[] = await this.shops.query(
      `SELECT md5(string_agg(id::text, ',' ORDER BY id)) AS v FROM core.shops WHERE status = 'active'`,
    );
    return rows[0]?.v ?? '';
  }

  async saveTokens(shopId: string, tokens: TokenSet): Promise<void> {
    await this.shops.manager.transaction(async (em) => {
      const repo = em.getRepository(Shop);
      const shop = await repo.findOne({ where: { id: shopId }, lock: { mode: 'pessimistic_write' } });
      if (!shop) throw new Error(`shop ${shopId} not found`);
      const current = this.decrypt(shop);
      const credentials = sealShopSecrets(this.box, shop.id, {
        appSecret: current.appSecret,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken ?? current.refreshToken,
      });
      const reauthorised = shop.status === 'needs_reauth';
      await repo.update(
        { id: shop.id },
        {
          credentials,
          tokenExpiresAt: tokens.accessTokenExpiresAt,
          ...(tokens.refreshTokenExpiresAt ? { refreshTokenExpiresAt: tokens.refreshTokenExpiresAt } : {}),
          ...(reauthorised ? { status: 'active' as const, statusReason: null } : {}),
        },
      );
    });
    this.invalidate(shopId);
    this.logger.log(`shop ${shopId}: tokens saved, access token expires ${tokens.accessTokenExpiresAt.toISOString()}`);
  }

  /**
   * Once per shop across processes: the shop row is locked (SELECT ... FOR UPDATE) for the refresh, so a second
   * process waits, then finds the new tokens and uses them without calling the platform. The refresh token sent is
   * the stored one, read under the lock, so a token another process already rotated away is never sent (and its
   * rejection never marks the shop needs_reauth). The lock is held over one platform call, bounded by its timeout.
   */
  override async refreshTokensOnce(
    shopId: string,
    seen: StoredTokens,
    refresh: (refreshToken: string | null) => Promise<TokenSet>,
    usable: (stored: StoredTokens) => boolean,
  ): Promise<RefreshOutcome> {
    const outcome = await this.shops.manager.transaction(async (em): Promise<RefreshOutcome> => {
      const repo = em.getRepository(Shop);
      const shop = await repo.findOne({ where: { id: shopId }, lock: { mode: 'pessimistic_write' } });
      if (!shop) throw new Error(`shop ${shopId} not found`);
      const current = this.decrypt(shop);
      const stored: StoredTokens = { accessToken: current.accessToken, refreshToken: current.refreshToken, accessTokenExpiresAt: shop.tokenExpiresAt };
      if (stored.accessToken !== null && stored.accessToken !== seen.accessToken && usable(stored)) {
        return { ...stored, accessToken: stored.accessToken, refreshed: false };
      }
      const tokens = await refresh(stored.refreshToken);
      const refreshToken = tokens.refreshToken ?? current.refreshToken;
      await repo.update(
        { id: shop.id },
        {
          credentials: sealShopSecrets(this.box, shop.id, { appSecret: current.appSecret, accessToken: tokens.accessToken, refreshToken }),
          tokenExpiresAt: tokens.accessTokenExpiresAt,
          ...(tokens.refreshTokenExpiresAt ? { refreshTokenExpiresAt: tokens.refreshTokenExpiresAt } : {}),
          ...(shop.status === 'needs_reauth' ? { status: 'active' as const, statusReason: null } : {}),
        },
      );
      return { accessToken: tokens.accessToken, refreshToken, accessTokenExpiresAt: tokens.accessTokenExpiresAt, refreshed: true };
    });
    this.invalidate(shopId);
    if (outcome.refreshed) this.logger.log(`shop ${shopId}: tokens refreshed, access token expires ${outcome.accessTokenExpiresAt?.toISOString()}`);
    return outcome;
  }

  async markNeedsReauth(shopId: string, reason: string): Promise<void> {
    const statusReason = reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
    // the status before, read under the row lock: concurrent callers alert once, not once each
    const raw: unknown[] = await this.shops.query(
      `WITH prev AS (SELECT id, status FROM core.shops WHERE id = $1 FOR UPDATE)
       UPDATE core.shops s SET status = 'needs_reauth', status_reason = $2, updated_at = now()
       FROM prev WHERE s.id = prev.id AND prev.status <> 'disabled'
       RETURNING prev.status AS previous`,
      [shopId, statusReason],
    );
    const rows = (Array.isArray(raw[0]) ? raw[0] : raw) as { previous: string }[];
    this.invalidate(shopId);
    if (rows.length === 0) {
      this.logger.warn(`shop ${shopId}: markNeedsReauth ignored (unknown or disabled shop)`);
      return;
    }
    this.logger.warn(`shop ${shopId}: needs re-authorisation: ${statusReason}`);
    // one alert per fall from active, not one per failing call
    if (rows[0].previous === 'active') this.emitNeedsReauth({ shopId, reason: statusReason, at: new Date().toISOString() });
  }

  /** Drops cached contexts of a shop (call after changing its row elsewhere, e.g. the shops API). */
  invalidate(shopId: string): void {
    this.byId.delete(shopId);
    for (const [k, v] of this.byPlatformShopId) if (v.value.shopId === shopId) this.byPlatformShopId.delete(k);
    // app secrets are keyed by app key; a rotation anywhere may change one, so drop them all
    this.secretsByAppKey.clear();
  }

  private fresh<T>(entry: Cached<T> | undefined): T | null {
    if (!entry) return null;
    return entry.expiresAt > Date.now() ? entry.value : null;
  }

  private decrypt(shop: Shop) {
    try {
      return openShopSecrets(this.box, shop);
    } catch (e) {
      if (e instanceof SecretBoxError) {
        throw new SecretBoxError(e.code, `credentials of shop ${shop.id} cannot be decrypted: ${e.message}`);
      }
      throw e;
    }
  }

  private async rememberOne(shop: Shop): Promise<ShopContext | null> {
    let appSecret: string | null;
    try {
      appSecret = (await this.apps.secretsForShops([shop])).get(shop.id) ?? null;
    } catch (e) {
      if (e instanceof SecretBoxError) throw new SecretBoxError(e.code, `credentials of shop ${shop.id} cannot be decrypted: ${e.message}`);
      throw e;
    }
    return this.remember(shop, appSecret);
  }

  /** null (logged) when the shop's app key is neither the operator's app nor its merchant's own app */
  private remember(shop: Shop, appSecret: string | null): ShopContext | null {
    if (appSecret === null) {
      this.logger.error(`shop ${shop.id}: app key ${shop.appKey} is neither the operator's app nor its merchant's own app; not usable`);
      return null;
    }
    const secrets = this.decrypt(shop);
    const ctx: ShopContext = Object.freeze({
      shopId: shop.id,
      platform: shop.platform,
      platformShopId: shop.platformShopId,
      // operator configuration per platform, never a shop field
      baseUrl: this.operator.baseUrl(shop.platform),
      credentials: redacted({
        appKey: shop.appKey,
        appSecret,
        accessToken: secrets.accessToken,
        refreshToken: secrets.refreshToken,
        accessTokenExpiresAt: shop.tokenExpiresAt,
      }),
      // absent when the merchant has not set it (ck_shops_location: both or neither)
      ...(shop.locationState !== null && shop.locationCity !== null ? { location: Object.freeze({ state: shop.locationState, city: shop.locationCity }) } : {}),
    });
    const entry = { value: ctx, expiresAt: Date.now() + this.ttlMs };
    this.byId.set(shop.id, entry);
    this.byPlatformShopId.set(`${shop.platform}/${shop.platformShopId}`, entry);
    return ctx;
  }
}

/** Credentials that print as redacted in JSON (pino, JSON.stringify) and util.inspect (console). */
function redacted(c: ShopCredentials): ShopCredentials {
  const safe = () => ({
    appKey: c.appKey,
    appSecret: '[redacted]',
    accessToken: c.accessToken === null ? null : '[redacted]',
    refreshToken: c.refreshToken === null ? null : '[redacted]',
    accessTokenExpiresAt: c.accessTokenExpiresAt,
  });
  Object.defineProperty(c, 'toJSON', { value: safe, enumerable: false });
  Object.defineProperty(c, inspect.custom, { value: () => `ShopCredentials ${inspect(safe())}`, enumerable: false });
  return Object.freeze(c);
}
