import { createHash, timingSafeEqual } from 'node:crypto';
import { parseLossless } from '../signing';
import { arr, header, isoFromMillis, obj, optStr, str } from '../http';
import type { AppSecretLookup, PushMessage, PushRequest, PushVerification } from '../platform-adapter.port';
import { XHS_ORDER_STATUS } from './xiaohongshu.status';

/** largest accepted distance between the push `timestamp` header and our clock */
export const XHS_PUSH_MAX_SKEW_SEC = 300;

/**
 * The string a Xiaohongshu push signs, as the only public verifier reads it (COMMUNITY-SOURCED, not an official
 * document: ledccn/ledc-xiao-hong-shu `Config::verifyNotifySignature`, PROTOCOLS.md 3.4): the request path, `?`,
 * then the URL's query parameters together with the `app-key` and `timestamp` headers (never `sign`; empty values
 * left out), sorted by name and joined as `name=value` with `&`, values as received (not percent-encoded), then the
 * app secret. The body is not signed.
 */
export function xhsPushStringToSign(path: string, params: Readonly<Record<string, string>>, appSecret: string): string {
  const pairs = Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`);
  return `${path}?${pairs.join('&')}${appSecret}`;
}

/** sign = lowercase hex MD5 of xhsPushStringToSign; headers `app-key`, `timestamp` (Unix seconds) and `sign`. */
export function xhsPushSign(path: string, params: Readonly<Record<string, string>>, appSecret: string): string {
  return createHash('md5').update(xhsPushStringToSign(path, params, appSecret), 'utf8').digest('hex');
}

/** the query's values as strings (a repeated name keeps its last value, as PHP's $_GET does) */
function queryStrings(query: PushRequest['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query ?? {})) {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (typeof last === 'string') out[k] = last;
  }
  return out;
}

function kindOfTag(tag: string): PushMessage['kind'] {
  if (tag.startsWith('msg_fulfillment_')) return 'order';
  if (tag.startsWith('msg_after_sale_')) return 'refund';
  if (tag.startsWith('msg_item_') || tag.startsWith('msg_sku_')) return 'product';
  return 'other';
}

export async function verifyXhsPush(req: PushRequest, secretFor: AppSecretLookup, now = Date.now()): Promise<PushVerification> {
  const appKey = header(req.headers, 'app-key');
  const timestamp = header(req.headers, 'timestamp');
  const given = header(req.headers, 'sign');
  if (!appKey || !timestamp || !given) return { ok: false, status: 401, reason: 'missing app-key, timestamp or sign header' };
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - (ts > 1e12 ? ts / 1000 : ts)) > XHS_PUSH_MAX_SKEW_SEC) {
    return { ok: false, status: 401, reason: 'timestamp outside the accepted window' };
  }
  // the gateway passes the path the push was posted to; without it nothing can be checked (our fault: retry)
  if (req.path === undefined) throw new Error('xiaohongshu push verification needs the request path (PushRequest.path)');
  const secret = await secretFor(appKey);
  if (!secret) return { ok: false, status: 401, reason: 'unknown app-key' };
  const params = { ...queryStrings(req.query), 'app-key': appKey, timestamp };
  const a = Buffer.from(xhsPushSign(req.path, params, secret), 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, status: 401, reason: 'sign mismatch' };

  let list: unknown;
  try {
    list = parseLossless(req.rawBody.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'body is not JSON' };
  }
  if (!Array.isArray(list)) return { ok: false, status: 400, reason: 'body is not a JSON array' };
  const messages: PushMessage[] = [];
  for (const item of arr(list)) {
    const m = obj(item);
    const tag = str(m.msgTag);
    const raw = typeof m.data === 'string' ? m.data : '';
    let data: Record<string, unknown> = {};
    try {
      data = raw ? obj(parseLossless(raw)) : {};
    } catch {
      return { ok: false, status: 400, reason: `${tag} data is not JSON` };
    }
    const subject = optStr(data.returnsId) ?? optStr(data.orderId) ?? optStr(data.skuId) ?? optStr(data.itemId) ?? '';
    const status = optStr(data.orderStatus) ?? optStr(data.packageStatus) ?? '';
    messages.push({
      platform: 'xiaohongshu',
      // the push carries no message id: tag + subject + status + update time identifies one event
      messageId: `${tag}-${subject}-${status}-${str(data.updateTime)}`,
      platformShopId: optStr(m.sellerId),
      topic: tag,
      kind: kindOfTag(tag),
      platformOrderId: optStr(data.orderId),
      occurredAt: isoFromMillis(data.updateTime),
      // the push carries no pay time: a change to a paid status happened at (or after) the payment
      paidAt: tag === 'msg_fulfillment_status_change' && XHS_ORDER_STATUS[status] === 'paid' ? isoFromMillis(data.updateTime) : null,
      raw,
    });
  }
  return { ok: true, messages };
}

export function xhsPushReply(ok: boolean): { status: number; body: unknown } {
  return { status: 200, body: ok ? { success: true, error_code: 0, error_msg: '' } : { success: false, error_code: 1, error_msg: 'fail' } };
}
