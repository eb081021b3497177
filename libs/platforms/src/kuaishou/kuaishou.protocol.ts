import type { AxiosInstance } from 'axios';
import { UpstreamError } from '@app/contracts';
import { canonicalJson } from '../signing';
import { exchange, num, obj, str, type PlatformProtocol } from '../http';
import type { AuthorisedShop, ShopContext, TokenSet } from '../platform-adapter.port';
import { kuaishouSecrets } from './kuaishou.credentials';
import { KS_SUCCESS, ksError, ksOAuthError } from './kuaishou.errors';
import { kuaishouSign, type KuaishouSignMethod } from './kuaishou.sign';

/** the API methods Kuaishou serves over GET (KS-TS api.default.method.ts); every other one is POST */
export const KS_GET_METHODS: ReadonlySet<string> = new Set(['open.order.cursor.list', 'open.order.detail', 'open.item.get', 'open.item.list.get', 'open.item.sku.list.get', 'open.promotion.coupon.page.list', 'open.seller.order.fee.detail']);

/** `open.order.detail` -> `/open/order/detail` (dots to slashes; no extra `/open/` prefix, KS-PY's bug) */
export function ksPath(method: string): string {
  return `/${method.replace(/\./g, '/')}`;
}

export const KS_REFRESH_PATH = '/oauth2/refresh_token';
export const KS_TOKEN_PATH = '/oauth2/access_token';

/**
 * Kuaishou envelope (MARKETING-KUAISHOU-ALERTS.md 2.1-2.4): {baseUrl}/<method with dots as slashes>,
 * application/x-www-form-urlencoded only, common parameters appkey, method, version=1, param (business JSON),
 * access_token, timestamp (ms), signMethod, sign (kuaishou.sign.ts, keyed with signSecret); GET methods in the
 * query, POST ones in the body. Success is `result == 1` with `data`.
 */
export class KuaishouProtocol implements PlatformProtocol {
  readonly platform = 'kuaishou' as const;
  readonly canRefreshTokens = true;

  constructor(
    private readonly http: AxiosInstance,
    private readonly defaultWaitMs: number,
    private readonly signMethod: KuaishouSignMethod = 'HMAC_SHA256',
  ) {}

  async send(shop: ShopContext, accessToken: string, method: string, params: Record<string, unknown>): Promise<unknown> {
    const { signSecret } = kuaishouSecrets(shop.credentials.appSecret);
    const form: Record<string, string> = {
      appkey: shop.credentials.appKey,
      method,
      version: '1',
      param: canonicalJson(params),
      access_token: accessToken,
      timestamp: String(Date.now()),
      signMethod: this.signMethod,
    };
    form.sign = kuaishouSign(form, signSecret, this.signMethod);
    const get = KS_GET_METHODS.has(method);
    const encoded = new URLSearchParams(form).toString();
    const env = obj(
      await exchange(
        'kuaishou',
        this.http,
        {
          method: get ? 'GET' : 'POST',
          url: `${base(shop)}${ksPath(method)}${get ? `?${encoded}` : ''}`,
          data: get ? undefined : encoded,
          headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        },
        this.defaultWaitMs,
      ),
    );
    if (num(env.result, NaN) === KS_SUCCESS) return env.data;
    throw ksError(num(env.result, 0), str(env.error_msg ?? env.sub_msg), str(env.sub_code), this.defaultWaitMs);
  }

  /**
   * POST /oauth2/refresh_token (grant_type=refresh_token, refresh_token, app_id, app_secret): a new access token
   * (48 h) and a NEW refresh token that keeps the first grant's expiry (refresh_token_expires_in shrinks); the
   * old one dies within 5 minutes, and reusing it fails with access_denied `refreshToken.discarded`.
   */
  async refresh(shop: ShopContext, refreshToken: string): Promise<TokenSet> {
    const { appSecret } = kuaishouSecrets(shop.credentials.appSecret);
    const data = await this.oauth(shop, 'POST', KS_REFRESH_PATH, { grant_type: 'refresh_token', refresh_token: refreshToken, app_id: shop.credentials.appKey, app_secret: appSecret });
    return ksTokens(data, refreshToken);
  }

  /** GET /oauth2/access_token (app_id, grant_type=code, code, app_secret); the seller is the answer's open_id */
  async exchangeCode(app: ShopContext, code: string, _redirectUri: string): Promise<AuthorisedShop> {
    const { appSecret } = kuaishouSecrets(app.credentials.appSecret);
    const data = await this.oauth(app, 'GET', KS_TOKEN_PATH, { app_id: app.credentials.appKey, grant_type: 'code', code, app_secret: appSecret });
    const platformShopId = str(data.open_id);
    if (!platformShopId) throw new UpstreamError('kuaishou', 'retryable', 'oauth2/access_token returned no open_id');
    return { platformShopId, shopName: null, tokens: ksTokens(data, null) };
  }

  private async oauth(shop: ShopContext, verb: 'GET' | 'POST', path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
    const encoded = new URLSearchParams(form).toString();
    const env = obj(
      await exchange(
        'kuaishou',
        this.http,
        {
          method: verb,
          url: `${base(shop)}${path}${verb === 'GET' ? `?${encoded}` : ''}`,
          data: verb === 'POST' ? encoded : undefined,
          headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        },
        this.defaultWaitMs,
      ),
    );
    if (num(env.result, NaN) === KS_SUCCESS) return env;
    throw ksOAuthError(num(env.result, 0), str(env.error), str(env.error_msg));
  }
}

function base(shop: ShopContext): string {
  return shop.baseUrl.replace(/\/+$/, '');
}

/** a token answer -> TokenSet (exported for its spec) */
export function ksTokens(data: Record<string, unknown>, previousRefreshToken: string | null): TokenSet {
  const accessToken = str(data.access_token);
  if (!accessToken) throw new UpstreamError('kuaishou', 'retryable', 'the token answer has no access_token');
  const expiresIn = num(data.expires_in, 172_800); // 48 h
  // the grant's fixed 180-day end: each refresh answers what is left of it (MARKETING-KUAISHOU-ALERTS.md 2.4)
  const grantLeft = num(data.refresh_token_expires_in, NaN);
  return {
    accessToken,
    refreshToken: str(data.refresh_token) || previousRefreshToken,
    accessTokenExpiresAt: new Date(Date.now() + expiresIn * 1000),
    refreshTokenExpiresAt: Number.isFinite(grantLeft) && grantLeft > 0 ? new Date(Date.now() + grantLeft * 1000) : null,
  };
}
