import { createHash, timingSafeEqual } from 'node:crypto';
import { parseLossless } from '../signing';
import { arr, header, isoFromMillis, obj, optStr, str } from '../http';
import type { AppSecretLookup, PushMessage, PushRequest, PushVerification } from '../platform-adapter.port';
import { XHS_ORDER_STATUS } from './xiaohongshu.status';

/** largest accepted distance between the push `timestamp` header and our clock */
export const XHS_PUSH_MAX_SKEW_SEC = 300;

/**
 * OUR definition of the Xiaohongshu push signature (the platform's algorithm is unconfirmed,
 * PROTOCOLS.md 3.4): sign = lowercase hex MD5(appKey + timestamp + rawBody + appSecret), with headers
 * `app-key`, `timestamp` (Unix seconds) and `sign`. The simulator signs the same way.
 */
export function xhsPushSign(appKey: string, timestamp: string, rawBody: Buffer | string, appSecret: string): string {
  return createHash('md5')
    .update(appKey, 'utf8')
    .update(timestamp, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .update(appSecret, 'utf8')
    .digest('hex');
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
  const secret = await secretFor(appKey);
  if (!secret) return { ok: false, status: 401, reason: 'unknown app-key' };
  const a = Buffer.from(xhsPushSign(appKey, timestamp, req.rawBody, secret), 'utf8');
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
