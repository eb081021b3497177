import type { AxiosInstance } from 'axios';
import { UpstreamError } from '@app/contracts';
import { canonicalJson, xhsSign } from '../signing';
import { exchange, num, obj, str, type PlatformProtocol } from '../http';
import type { AuthorisedShop, ShopContext, TokenSet } from '../platform-adapter.port';
import { xhsError } from './xiaohongshu.errors';

export const XHS_PATH = '/ark/open_api/v3/common_controller';

/**
 * Ark envelope (PROTOCOLS.md 3.1-3.3): POST {baseUrl}/ark/open_api/v3/common_controller, one flat JSON
 * object with appId, timestamp (Unix seconds, sent as a string), version=2.0, method, sign, accessToken
 * and the business fields; the sign covers method, appId, timestamp and version only.
 */
export class XiaohongshuProtocol implements PlatformProtocol {
  readonly platform = 'xiaohongshu' as const;
  readonly canRefreshTokens = true;

  constructor(
    private readonly http: AxiosInstance,
    private readonly defaultWaitMs: number,
  ) {}

  send(shop: ShopContext, accessToken: string, method: string, params: Record<string, unknown>): Promise<unknown> {
    return this.exchange(shop, method, params, accessToken);
  }

  async refresh(shop: ShopContext, refreshToken: string): Promise<TokenSet> {
    const data = obj(await this.exchange(shop, 'oauth.refreshToken', { refreshToken }, null));
    return xhsTokens(data, refreshToken);
  }

  /**
   * oauth.getAccessToken (`code`) through the common gateway (PROTOCOLS.md 3.6); the answer names the seller
   * (sellerId, sellerName). The redirectUri is not a parameter of the exchange (unconfirmed).
   */
  async exchangeCode(app: ShopContext, code: string, _redirectUri: string): Promise<AuthorisedShop> {
    const data = obj(await this.exchange(app, 'oauth.getAccessToken', { code }, null));
    const platformShopId = str(data.sellerId);
    if (!platformShopId) throw new UpstreamError('xiaohongshu', 'retryable', 'oauth.getAccessToken returned no sellerId');
    return { platformShopId, shopName: str(data.sellerName) || null, tokens: xhsTokens(data, null) };
  }

  private async exchange(shop: ShopContext, method: string, params: Record<string, unknown>, accessToken: string | null): Promise<unknown> {
    const { appKey, appSecret } = shop.credentials;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body: Record<string, unknown> = { ...params, appId: appKey, timestamp, version: '2.0', method };
    body.sign = xhsSign({ method, appId: appKey, timestamp, version: '2.0', appSecret });
    if (accessToken !== null) body.accessToken = accessToken;
    const env = obj(
      await exchange(
        'xiaohongshu',
        this.http,
        {
          method: 'POST',
          url: `${shop.baseUrl.replace(/\/+$/, '')}${XHS_PATH}`,
          data: canonicalJson(body),
          headers: { 'content-type': 'application/json;charset=utf-8' },
        },
        this.defaultWaitMs,
      ),
    );
    if (env.success === true) return env.data;
    const code = str(env.error_code ?? env.code);
    const msg = str(env.error_msg ?? env.msg);
    throw xhsError(code, msg, this.defaultWaitMs);
  }
}

function xhsTokens(data: Record<string, unknown>, previousRefreshToken: string | null): TokenSet {
  const accessToken = str(data.accessToken);
  if (!accessToken) throw new UpstreamError('xiaohongshu', 'retryable', 'the token answer has no accessToken');
  const at = num(data.accessTokenExpiresAt);
  // absolute time, ms assumed (PROTOCOLS.md 3.6); a 10-digit value is read as seconds
  const expiresAt = at > 1e12 ? at : at > 1e9 ? at * 1000 : Date.now() + 86_400_000;
  return { accessToken, refreshToken: str(data.refreshToken) || previousRefreshToken, accessTokenExpiresAt: new Date(expiresAt) };
}
