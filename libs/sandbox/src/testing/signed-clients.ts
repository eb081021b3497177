import { canonicalJson, douyinSign, formatGmt8, parseLossless, taobaoSign, xhsSign, type DouyinSignMethod, type TaobaoSignMethod } from '@app/platforms/signing';
import { kuaishouSecrets } from '@app/platforms/kuaishou/kuaishou.credentials';
import { kuaishouSign, type KuaishouSignMethod } from '@app/platforms/kuaishou/kuaishou.sign';
import { plain } from '../core/lossless';

/**
 * Minimal signed clients for the simulators, for tests and scripts (not the adapters: those live
 * in libs/platforms). Responses are parsed losslessly; 19-digit numbers come back as strings.
 */
export interface SimCredentials {
  appKey: string;
  appSecret: string;
  accessToken?: string | null;
}

export interface SimResponse {
  status: number;
  raw: string;
  body: any;
}

async function toResponse(res: Response): Promise<SimResponse> {
  const raw = await res.text();
  let body: unknown = null;
  try {
    body = plain(parseLossless(raw));
  } catch {
    body = null;
  }
  return { status: res.status, raw, body };
}

export interface DouyinCallOptions {
  /** raw body text to send and sign instead of canonicalJson(params) */
  rawBody?: string;
  timestamp?: string;
  signMethod?: DouyinSignMethod;
  /** overrides the computed sign */
  sign?: string;
  /** null = omit access_token */
  accessToken?: string | null;
}

export async function douyinCall(baseUrl: string, cred: SimCredentials, method: string, params: unknown = {}, o: DouyinCallOptions = {}): Promise<SimResponse> {
  const paramJson = o.rawBody ?? canonicalJson(params);
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const signMethod = o.signMethod ?? 'hmac-sha256';
  const sign = o.sign ?? douyinSign({ appKey: cred.appKey, appSecret: cred.appSecret, method, paramJson, timestamp, signMethod });
  const q = new URLSearchParams({ app_key: cred.appKey, method, timestamp, v: '2', sign_method: signMethod, sign });
  const token = o.accessToken === undefined ? cred.accessToken : o.accessToken;
  if (token && !method.startsWith('token.')) q.set('access_token', token);
  const res = await fetch(`${baseUrl}/${method.replace(/\./g, '/')}?${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: paramJson });
  return toResponse(res);
}

export interface TaobaoCallOptions {
  timestamp?: string;
  signMethod?: TaobaoSignMethod;
  sign?: string;
  session?: string | null;
  /** applied after signing (to tamper with a signed request) */
  mutate?: (form: Record<string, string>) => void;
}

export async function taobaoCall(baseUrl: string, cred: SimCredentials, method: string, params: Record<string, string> = {}, o: TaobaoCallOptions = {}): Promise<SimResponse> {
  const form: Record<string, string> = {
    method,
    app_key: cred.appKey,
    timestamp: o.timestamp ?? formatGmt8(new Date()),
    format: 'json',
    v: '2.0',
    sign_method: o.signMethod ?? 'md5',
    ...params,
  };
  const session = o.session === undefined ? cred.accessToken : o.session;
  if (session) form.session = session;
  form.sign = o.sign ?? taobaoSign(form, cred.appSecret);
  o.mutate?.(form);
  const res = await fetch(`${baseUrl}/router/rest`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: new URLSearchParams(form).toString(),
  });
  return toResponse(res);
}

export interface XhsCallOptions {
  timestamp?: string;
  sign?: string;
  accessToken?: string | null;
  /** raw JSON text to send instead of the built body */
  rawBody?: string;
}

export async function xhsCall(baseUrl: string, cred: SimCredentials, method: string, params: Record<string, unknown> = {}, o: XhsCallOptions = {}): Promise<SimResponse> {
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const version = '2.0';
  const body: Record<string, unknown> = { appId: cred.appKey, timestamp, version, method, ...params };
  const token = o.accessToken === undefined ? cred.accessToken : o.accessToken;
  if (token && !method.startsWith('oauth.')) body.accessToken = token;
  body.sign = o.sign ?? xhsSign({ method, appId: cred.appKey, timestamp, version, appSecret: cred.appSecret });
  const res = await fetch(`${baseUrl}/ark/open_api/v3/common_controller`, {
    method: 'POST',
    headers: { 'content-type': 'application/json;charset=utf-8' },
    body: o.rawBody ?? canonicalJson(body),
  });
  return toResponse(res);
}

export interface KuaishouCallOptions {
  verb?: 'GET' | 'POST';
  signMethod?: KuaishouSignMethod;
  accessToken?: string | null;
}

/** Kuaishou: {base}/<method as path>, form-encoded (GET query / POST body), signed with the composite secret's signSecret */
export async function kuaishouCall(baseUrl: string, cred: SimCredentials, method: string, params: unknown = {}, o: KuaishouCallOptions = {}): Promise<SimResponse> {
  const signMethod = o.signMethod ?? 'HMAC_SHA256';
  const form: Record<string, string> = { appkey: cred.appKey, method, version: '1', param: canonicalJson(params), timestamp: String(Date.now()), signMethod };
  const token = o.accessToken === undefined ? cred.accessToken : o.accessToken;
  if (token) form.access_token = token;
  form.sign = kuaishouSign(form, kuaishouSecrets(cred.appSecret).signSecret, signMethod);
  const encoded = new URLSearchParams(form).toString();
  const get = o.verb === 'GET';
  const res = await fetch(`${baseUrl}/${method.replace(/\./g, '/')}${get ? `?${encoded}` : ''}`, {
    method: get ? 'GET' : 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: get ? undefined : encoded,
  });
  return toResponse(res);
}
