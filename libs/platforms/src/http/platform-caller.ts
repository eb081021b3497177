import { UpstreamError, isUpstreamError, type Platform, type UpstreamErrorKind } from '@app/contracts';
// the catalogue file, not the barrel: @app/observability's index reaches @app/config, whose env reads this lib's registry
import { observeUpstreamCall } from '@app/observability/metrics/catalogue';
import type { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import type { AuthorisedShop, OAuthApp, ShopContext, TokenSet } from '../platform-adapter.port';
import type { ShopDirectory } from '../shop-directory.port';
import { DEFAULT_TOKEN_REFRESH_MARGIN_MS, type PlatformHttpOptions, type QpsScope } from './platform-http.options';

/** The platform-specific half of a call: one signed exchange, and the token refresh exchange. */
export interface PlatformProtocol {
  readonly platform: Platform;
  /** false when the platform (or this app type) cannot refresh tokens */
  readonly canRefreshTokens: boolean;
  /** sends one signed business call and returns its business data; throws UpstreamError */
  send(shop: ShopContext, accessToken: string, method: string, params: Record<string, unknown>): Promise<unknown>;
  /** exchanges a refresh token for a new token set; throws UpstreamError */
  refresh(shop: ShopContext, refreshToken: string): Promise<TokenSet>;
  /** exchanges an OAuth authorisation code (the shop context is the app's: no shop yet); throws UpstreamError */
  exchangeCode(app: ShopContext, code: string, redirectUri: string): Promise<AuthorisedShop>;
}

/**
 * The rate limiter key of a shop's call: `<platform>:<shopId>:<method>` (qpsScope 'api', the default: each API
 * method its own quota) or `<platform>:<shopId>` (scope 'shop', or a call not tied to a method).
 */
export function platformLimitKey(platform: Platform, shopId: string, method: string | undefined, scope: QpsScope = 'api'): string {
  const key = `${platform}:${shopId}`;
  return method !== undefined && scope === 'api' ? `${key}:${method}` : key;
}

/** A ShopContext for an app-level call (no shop yet): only the app's key, secret and base URL are set. */
export function appContext(platform: Platform, app: OAuthApp): ShopContext {
  return {
    shopId: `app-${app.appKey}`,
    platform,
    platformShopId: '',
    baseUrl: app.baseUrl,
    credentials: { appKey: app.appKey, appSecret: app.appSecret, accessToken: null, refreshToken: null, accessTokenExpiresAt: null },
  };
}

export interface PlatformCallerDeps {
  directory: ShopDirectory;
  breakers: BreakerRegistry;
  limiter: RedisRateLimiter;
  options: PlatformHttpOptions;
}

interface Creds {
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: Date | null;
}

/**
 * `details.code` of a refresh rejected because the refresh token was already used (Kuaishou
 * `refreshToken.discarded`: each refresh rotates the refresh token). Another process may have refreshed first
 * and stored the new tokens: the caller reads the stored tokens again (under the directory's lock) and uses
 * them, or refreshes with a stored refresh token it has not sent yet; only when the stored one is the token
 * the platform just refused is the shop marked needs_reauth.
 */
export const REFRESH_TOKEN_SUPERSEDED = 'refresh_token_superseded';

/** Errors from a refresh call meaning the refresh token is unusable: the shop must re-authorise. */
const REFRESH_DEAD: ReadonlySet<UpstreamErrorKind> = new Set<UpstreamErrorKind>(['auth_expired', 'auth_revoked', 'invalid_request', 'not_found']);

/**
 * The shared call pipeline of the three adapters:
 *   token check (refresh when it expires within the margin) -> rate limiter (per shop, Redis)
 *   -> breaker (per platform+shop) -> signed exchange -> on auth_expired refresh once and retry once.
 * Refreshed tokens are saved through ShopDirectory.saveTokens and kept in memory, so a caller still
 * holding the old ShopContext uses the new token. Secrets and tokens are never logged or put in errors.
 */
export class PlatformCaller {
  private readonly tokens = new Map<string, Creds>();
  private readonly refreshing = new Map<string, Promise<Creds>>();
  private readonly marginMs: number;

  constructor(
    private readonly protocol: PlatformProtocol,
    private readonly deps: PlatformCallerDeps,
  ) {
    this.marginMs = deps.options.tokenRefreshMarginMs ?? DEFAULT_TOKEN_REFRESH_MARGIN_MS;
  }

  breakerKey(shop: ShopContext): string {
    return `${this.protocol.platform}:${shop.shopId}`;
  }

  /** A business call with the full token handling. */
  async call(shop: ShopContext, method: string, params: Record<string, unknown>): Promise<unknown> {
    let creds = this.current(shop);
    if (!creds.accessToken || this.expiresSoon(creds)) {
      if (this.protocol.canRefreshTokens && creds.refreshToken) creds = await this.refreshOnce(shop, creds);
      else if (!creds.accessToken) throw await this.reauth(shop, 'no access token and no way to refresh it');
    }
    try {
      return await this.guarded(shop, () => this.protocol.send(shop, creds.accessToken as string, method, params), method);
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      if (e.kind === 'auth_revoked') throw await this.reauth(shop, `platform revoked authorisation (${e.details.subCode ?? e.details.code ?? 'no code'})`, e);
      if (e.kind !== 'auth_expired') throw e;
    }
    // the token that failed is the one `creds` holds: another process may already have a new one (then no refresh)
    creds = await this.refreshOnce(shop, creds);
    return this.guarded(shop, () => this.protocol.send(shop, creds.accessToken as string, method, params), method);
  }

  /** OAuth code exchange, through the app's limiter and breaker (`<platform>:app-<appKey>`). */
  exchangeCode(app: OAuthApp, code: string, redirectUri: string): Promise<AuthorisedShop> {
    const ctx = appContext(this.protocol.platform, app);
    return this.guardedKey(this.breakerKey(ctx), () => this.protocol.exchangeCode(ctx, code, redirectUri), { method: 'oauth.exchange_code' });
  }

  /** Refreshes now (the port's refreshToken): saves the new tokens or marks the shop for re-authorisation. */
  async refresh(shop: ShopContext): Promise<TokenSet> {
    const c = await this.refreshOnce(shop, this.current(shop));
    return { accessToken: c.accessToken as string, refreshToken: c.refreshToken, accessTokenExpiresAt: c.expiresAt ?? new Date(Date.now() + this.marginMs * 2) };
  }

  /**
   * Limiter then breaker around one outbound exchange. The breaker is per platform + shop; the QPS budget is
   * per platform + shop + API method (qpsScope 'api', the default) or per platform + shop ('shop').
   */
  guarded<T>(shop: ShopContext, fn: () => Promise<T>, method?: string): Promise<T> {
    return this.guardedKey(this.breakerKey(shop), fn, {
      limitKey: platformLimitKey(this.protocol.platform, shop.shopId, method, this.deps.options.qpsScope),
      method: method ?? 'token.refresh',
    });
  }

  /**
   * Limiter then breaker for a call not tied to a shop (e.g. app-level TMC polling: `taobao:app-<appKey>`).
   * Every platform call passes here once: omnisync_upstream_requests_total / _request_duration_seconds count it
   * by platform, API method (`method`) and outcome (an open breaker's fast refusal is `circuit_open`; a call our
   * own limiter refused never went out and is counted in omnisync_rate_limit_waits_total instead).
   */
  async guardedKey<T>(key: string, fn: () => Promise<T>, o: { limitKey?: string; method?: string } = {}): Promise<T> {
    const call = () => observeUpstreamCall(this.protocol.platform, o.method ?? 'other', () => this.deps.breakers.exec(key, fn));
    // fail fast on an open breaker without spending a rate-limit slot
    if (this.deps.breakers.state(key) === 'open') return call();
    await this.deps.limiter.acquire(o.limitKey ?? key);
    return call();
  }

  private current(shop: ShopContext): Creds {
    const c = shop.credentials;
    const cached = this.tokens.get(shop.shopId);
    if (cached && (c.accessTokenExpiresAt === null || (cached.expiresAt !== null && cached.expiresAt.getTime() >= c.accessTokenExpiresAt.getTime()))) {
      return cached;
    }
    return { accessToken: c.accessToken, refreshToken: c.refreshToken, expiresAt: c.accessTokenExpiresAt };
  }

  private expiresSoon(c: Creds): boolean {
    return c.expiresAt !== null && c.expiresAt.getTime() - Date.now() <= this.marginMs;
  }

  /** single flight per shop in this process; ShopDirectory.refreshTokensOnce makes it once across processes */
  private refreshOnce(shop: ShopContext, creds: Creds): Promise<Creds> {
    const running = this.refreshing.get(shop.shopId);
    if (running) return running;
    const p = this.doRefresh(shop, creds).finally(() => this.refreshing.delete(shop.shopId));
    this.refreshing.set(shop.shopId, p);
    return p;
  }

  private async doRefresh(shop: ShopContext, creds: Creds): Promise<Creds> {
    if (!this.protocol.canRefreshTokens) throw await this.reauth(shop, 'platform app cannot refresh tokens');
    const refused = new Set<string>();
    const attempt = (seenRefreshToken: string | null) =>
      this.deps.directory.refreshTokensOnce(
        shop.shopId,
        { accessToken: creds.accessToken, refreshToken: seenRefreshToken, accessTokenExpiresAt: creds.expiresAt },
        // the refresh token given here is the stored one, read under the lock: never one another process discarded
        async (refreshToken) => {
          if (!refreshToken) throw new NoRefreshTokenError();
          if (refused.has(refreshToken)) throw new SupersededAgainError();
          try {
            return await this.guarded(shop, () => this.protocol.refresh(shop, refreshToken));
          } catch (e) {
            if (isUpstreamError(e) && e.details.code === REFRESH_TOKEN_SUPERSEDED) refused.add(refreshToken);
            throw e;
          }
        },
        (stored) => stored.accessToken !== null && !this.expiresSoon({ accessToken: stored.accessToken, refreshToken: stored.refreshToken, expiresAt: stored.accessTokenExpiresAt }),
      );
    let outcome;
    try {
      try {
        outcome = await attempt(creds.refreshToken);
      } catch (e) {
        if (!(isUpstreamError(e) && e.details.code === REFRESH_TOKEN_SUPERSEDED)) throw e;
        // another process may hold the new tokens: read them again (the refused token is never sent twice)
        const stored = await this.deps.directory.get(shop.shopId);
        try {
          outcome = await attempt(stored?.credentials.refreshToken ?? creds.refreshToken);
        } catch (again) {
          throw again instanceof SupersededAgainError ? e : again;
        }
      }
    } catch (e) {
      if (e instanceof NoRefreshTokenError) throw await this.reauth(shop, 'no refresh token');
      if (isUpstreamError(e) && REFRESH_DEAD.has(e.kind)) {
        throw await this.reauth(shop, `token refresh rejected (${e.details.subCode ?? e.details.code ?? e.kind})`, e);
      }
      throw e;
    }
    const next: Creds = { accessToken: outcome.accessToken, refreshToken: outcome.refreshToken, expiresAt: outcome.accessTokenExpiresAt };
    this.tokens.set(shop.shopId, next);
    return next;
  }

  private async reauth(shop: ShopContext, reason: string, cause?: UpstreamError): Promise<UpstreamError> {
    this.tokens.delete(shop.shopId);
    await this.deps.directory.markNeedsReauth(shop.shopId, reason);
    return new UpstreamError(this.protocol.platform, 'auth_revoked', `shop needs re-authorisation: ${reason}`, {
      code: cause?.details.code,
      subCode: cause?.details.subCode,
    });
  }
}

class NoRefreshTokenError extends Error {}

class SupersededAgainError extends Error {}

/** What every adapter is constructed with (plus platform-specific options). */
export type PlatformAdapterDeps = PlatformCallerDeps;
