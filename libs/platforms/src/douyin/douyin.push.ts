import { timingSafeEqual } from 'node:crypto';
import { douyinPushSign, parseLossless } from '../signing';
import { arr, header, isoFromSeconds, obj, optStr, str } from '../http';
import type { AppSecretLookup, PushMessage, PushRequest, PushVerification } from '../platform-adapter.port';

function kindOfTag(tag: string): PushMessage['kind'] {
  if (tag === '0') return 'check';
  const n = Number(tag);
  if (n >= 100 && n < 200) return 'order';
  if (n >= 200 && n < 300) return 'refund';
  if (n >= 400 && n < 500) return 'product';
  return 'other';
}

/** Douyin push (PROTOCOLS.md 1.4): headers app-id + event-sign = MD5(app_key + raw body + secret). */
export async function verifyDouyinPush(req: PushRequest, secretFor: AppSecretLookup): Promise<PushVerification> {
  const appKey = header(req.headers, 'app-id');
  const given = header(req.headers, 'event-sign');
  if (!appKey || !given) return { ok: false, status: 401, reason: 'missing app-id or event-sign header' };
  const secret = await secretFor(appKey);
  if (!secret) return { ok: false, status: 401, reason: 'unknown app-id' };
  const expected = douyinPushSign(appKey, req.rawBody, secret);
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, status: 401, reason: 'event-sign mismatch' };

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
    const tag = str(m.tag);
    const raw = typeof m.data === 'string' ? m.data : '';
    let data: Record<string, unknown> = {};
    if (raw) {
      try {
        data = obj(parseLossless(raw));
      } catch {
        return { ok: false, status: 400, reason: `message ${str(m.msg_id ?? m.msgId)} data is not JSON` };
      }
    }
    const orderId = optStr(data.p_id);
    messages.push({
      platform: 'douyin',
      messageId: str(m.msg_id ?? m.msgId) || `${tag}-${orderId ?? ''}-${str(data.update_time)}`,
      platformShopId: optStr(data.shop_id),
      topic: tag,
      kind: kindOfTag(tag),
      platformOrderId: orderId,
      occurredAt:
        isoFromSeconds(data.update_time) ??
        isoFromSeconds(data.success_time) ??
        isoFromSeconds(data.complete_time) ??
        isoFromSeconds(data.cancel_time) ??
        isoFromSeconds(data.pay_time) ??
        isoFromSeconds(data.apply_time) ??
        isoFromSeconds(data.create_time),
      // only the paid message (tag 101) carries pay_time
      paidAt: isoFromSeconds(data.pay_time),
      raw,
    });
  }
  return { ok: true, messages };
}

export function douyinPushReply(ok: boolean): { status: number; body: unknown } {
  return { status: 200, body: ok ? { code: 0, msg: 'success' } : { code: 1, msg: 'fail' } };
}
