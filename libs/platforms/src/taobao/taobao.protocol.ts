import type { AxiosInstance } from 'axios';
import { UpstreamError } from '@app/contracts';
import { formatGmt8, parseLossless, taobaoSign } from '../signing';
import { exchange, isObj, num, obj, str, type Json, type PlatformProtocol } from '../http';
import type { AuthorisedShop, ShopContext, TokenSet } from '../platform-adapter.port';
import { taobaoError } from './taobao.errors';

/** The app-level identity used by calls without a seller session (TMC). */
export interface TaobaoApp {
  appKey: string;
  appSecret: string;
  baseUrl: string;
}

/** `taobao.trade.fullinfo.get` -> `trade_fullinfo_get_response` */
export function taobaoResponseKey(method: string): string {
  return `${method.replace(/^taobao\./, '').replace(/\./g, '_')}_response`;
}

/**
 * TOP envelope (PROTOCOLS.md 2.1-2.3): POST {baseUrl}/router/rest, form-encoded system + business
 * parameters, GMT+8 timestamp, format=json, v=2.0, uppercase MD5 sign over every non-empty parameter.
 */
export class TaobaoProtocol implements PlatformProtocol {
  readonly platform = 'taobao' as const;

  constructor(
    private readonly http: AxiosInstance,
    private readonly defaultWaitMs: number,
    readonly canRefreshTokens: boolean,
  ) {}

  send(shop: ShopContext, accessToken: string, method: string, params: Record<string, unknown>): Promise<Json> {
    return this.exchange(shop.credentials, shop.baseUrl, method, params, accessToken);
  }

  sendApp(app: TaobaoApp, method: string, params: Record<string, unknown>): Promise<Json> {
    return this.exchange(app, app.baseUrl, method, params, null);
  }

  async refresh(shop: ShopContext, refreshToken: string): Promise<TokenSet> {
    const res = await this.exchange(shop.credentials, shop.baseUrl, 'taobao.top.auth.token.refresh', { refresh_token: refreshToken }, null);
    return taobaoTokens(tokenResult(res), refreshToken);
  }

  /**
   * The code exchange through the API, taobao.top.auth.token.create (`code`) — PROTOCOLS.md 2.6 names it beside
   * POST https://oauth.taobao.com/token; the API form keeps one signed envelope and one host. The answer names
   * the seller (taobao_user_id, taobao_user_nick), used as the platform shop id (unconfirmed: a shop id proper
   * would need another call).
   */
  async exchangeCode(app: ShopContext, code: string, _redirectUri: string): Promise<AuthorisedShop> {
    const res = await this.exchange(app.credentials, app.baseUrl, 'taobao.top.auth.token.create', { code }, null);
    const t = tokenResult(res);
    const platformShopId = str(t.taobao_user_id);
    if (!platformShopId) throw new UpstreamError('taobao', 'retryable', 'token create returned no taobao_user_id');
    return { platformShopId, shopName: str(t.taobao_user_nick) || null, tokens: taobaoTokens(t, null) };
  }

  private async exchange(app: { appKey: string; appSecret: string }, baseUrl: string, method: string, business: Record<string, unknown>, session: string | null): Promise<Json> {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(business)) {
      if (v === undefined || v === null) continue;
      params[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    Object.assign(params, { method, app_key: app.appKey, timestamp: formatGmt8(new Date()), format: 'json', v: '2.0', sign_method: 'md5' });
    if (session !== null) params.session = session;
    params.sign = taobaoSign(params, app.appSecret, 'md5');
    const body = obj(
      await exchange(
        'taobao',
        this.http,
        {
          method: 'POST',
          url: `${baseUrl.replace(/\/+$/, '')}/router/rest`,
          data: new URLSearchParams(params).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        },
        this.defaultWaitMs,
      ),
    );
    if (isObj(body.error_response)) {
      const e = body.error_response;
      throw taobaoError(num(e.code, -1), str(e.msg), str(e.sub_code), str(e.sub_msg), this.defaultWaitMs);
    }
    const res = body[taobaoResponseKey(method)];
    if (!isObj(res)) throw new UpstreamError('taobao', 'retryable', `response without ${taobaoResponseKey(method)}`);
    return res;
  }
}

/** token_result is a JSON string in the real API; accept an object too */
function tokenResult(res: Json): Json {
  const raw = res.token_result;
  return isObj(raw) ? raw : obj(parseLossless(str(raw) || '{}'));
}

function taobaoTokens(t: Json, previousRefreshToken: string | null): TokenSet {
  const accessToken = str(t.access_token);
  if (!accessToken) throw new UpstreamError('taobao', 'retryable', 'the token answer has no access_token');
  const expiresIn = num(t.expires_in, 0);
  const expireTime = num(t.expire_time, 0); // ms
  return {
    accessToken,
    refreshToken: str(t.refresh_token) || previousRefreshToken,
    accessTokenExpiresAt: new Date(expireTime > 0 ? expireTime : Date.now() + (expiresIn > 0 ? expiresIn : 86_400) * 1000),
  };
}
