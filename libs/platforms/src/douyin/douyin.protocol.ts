import type { AxiosInstance } from 'axios';
import { UpstreamError } from '@app/contracts';
import { douyinParamJson, douyinSign } from '../signing';
import { exchange, num, obj, str, type PlatformProtocol } from '../http';
import type { AuthorisedShop, ShopContext, TokenSet } from '../platform-adapter.port';
import { DOUYIN_SUCCESS, douyinError } from './douyin.errors';

/**
 * Douyin envelope (PROTOCOLS.md 1.1-1.3): POST {baseUrl}/<method with dots as slashes>, system
 * parameters in the query string, the canonical JSON body is the signed `param_json`.
 */
export class DouyinProtocol implements PlatformProtocol {
  readonly platform = 'douyin' as const;
  readonly canRefreshTokens = true;

  constructor(
    private readonly http: AxiosInstance,
    private readonly defaultWaitMs: number,
  ) {}

  async send(shop: ShopContext, accessToken: string, method: string, params: Record<string, unknown>): Promise<unknown> {
    return this.exchange(shop, method, params, accessToken);
  }

  async refresh(shop: ShopContext, refreshToken: string): Promise<TokenSet> {
    const data = obj(await this.exchange(shop, 'token.refresh', { grant_type: 'refresh_token', refresh_token: refreshToken }, null));
    const accessToken = str(data.access_token);
    if (!accessToken) throw new UpstreamError('douyin', 'retryable', 'token.refresh returned no access_token');
    return { accessToken, refreshToken: str(data.refresh_token) || refreshToken, accessTokenExpiresAt: douyinExpiry(num(data.expires_in)) };
  }

  /**
   * token.create with grant_type=authorization_code and the code from the service-market authorise page
   * (PROTOCOLS.md 1.6); the answer names the shop (shop_id, shop_name). Douyin takes no redirect_uri here:
   * the callback is the one registered for the app (unconfirmed whether the authorise page accepts another).
   */
  async exchangeCode(app: ShopContext, code: string, _redirectUri: string): Promise<AuthorisedShop> {
    const data = obj(await this.exchange(app, 'token.create', { grant_type: 'authorization_code', code }, null));
    const accessToken = str(data.access_token);
    const platformShopId = str(data.shop_id);
    if (!accessToken || !platformShopId) throw new UpstreamError('douyin', 'retryable', 'token.create returned no access_token or shop_id');
    return {
      platformShopId,
      shopName: str(data.shop_name) || null,
      tokens: { accessToken, refreshToken: str(data.refresh_token) || null, accessTokenExpiresAt: douyinExpiry(num(data.expires_in)) },
    };
  }

  private async exchange(shop: ShopContext, method: string, params: Record<string, unknown>, accessToken: string | null): Promise<unknown> {
    const { appKey, appSecret } = shop.credentials;
    const paramJson = douyinParamJson(params);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = douyinSign({ appKey, appSecret, method, paramJson, timestamp, v: '2', signMethod: 'hmac-sha256' });
    const query: Record<string, string> = { app_key: appKey, method, timestamp, v: '2', sign_method: 'hmac-sha256', sign };
    if (accessToken !== null) query.access_token = accessToken;
    const body = await exchange(
      'douyin',
      this.http,
      {
        method: 'POST',
        url: `${shop.baseUrl.replace(/\/+$/, '')}/${method.replace(/\./g, '/')}`,
        params: query,
        data: paramJson,
        headers: { 'content-type': 'application/json; charset=UTF-8', 'x-open-no-old-err-code': '1' },
      },
      this.defaultWaitMs,
    );
    const env = obj(body);
    const code = num(env.code, -1);
    if (code !== DOUYIN_SUCCESS) throw douyinError(code, str(env.sub_code), str(env.sub_msg) || str(env.msg), this.defaultWaitMs);
    return env.data;
  }
}

/** `expires_in` is a duration in seconds, or (one SDK) an absolute Unix time: a value above 10^9 is absolute. */
export function douyinExpiry(expiresIn: number, now = Date.now()): Date {
  if (expiresIn > 1e9) return new Date(expiresIn * 1000);
  return new Date(now + (expiresIn > 0 ? expiresIn : 7 * 86400) * 1000);
}
