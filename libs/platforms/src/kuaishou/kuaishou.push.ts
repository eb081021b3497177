import { createCipheriv, createDecipheriv } from 'node:crypto';
import { parseLossless } from '../signing';
import { isoFromMillis, obj, optStr, str } from '../http';
import type { AppSecretLookup, PushMessage, PushRequest, PushVerification } from '../platform-adapter.port';
import { kuaishouSecretProblems, kuaishouSecrets } from './kuaishou.credentials';

/** the IV of Kuaishou pushes: 16 zero bytes (KS-DEMO PlatformEventSecurityUtil) */
const ZERO_IV = Buffer.alloc(16);

function cipherName(key: Buffer): string {
  return `aes-${key.length * 8}-cbc`;
}

/** AES/CBC/PKCS5Padding, key = Base64-decoded message key, zero IV, Base64 out: what Kuaishou POSTs */
export function ksEncryptPush(plain: string, messageKeyBase64: string): string {
  const key = Buffer.from(messageKeyBase64, 'base64');
  const c = createCipheriv(cipherName(key), key, ZERO_IV);
  return Buffer.concat([c.update(plain, 'utf8'), c.final()]).toString('base64');
}

export function ksDecryptPush(bodyBase64: string, messageKeyBase64: string): string {
  const key = Buffer.from(messageKeyBase64, 'base64');
  const d = createDecipheriv(cipherName(key), key, ZERO_IV);
  return Buffer.concat([d.update(Buffer.from(bodyBase64.trim(), 'base64')), d.final()]).toString('utf8');
}

function kindOfEvent(event: string): PushMessage['kind'] {
  if (event.startsWith('kwaishop_order_')) return 'order';
  if (event.startsWith('kwaishop_aftersales_')) return 'refund';
  if (event.startsWith('kwaishop_item_') || event.startsWith('kwaishop_sku_')) return 'product';
  return 'other';
}

/**
 * Kuaishou push (MARKETING-KUAISHOU-ALERTS.md 2.7): a Base64 AES-CBC body and NO signature header. The app is
 * named only by the URL the app registered (`/webhooks/kuaishou?appKey=<appKey>`); the body must decrypt with
 * that app's message key (PKCS5 padding checked), parse as JSON and name the same appKey. Heartbeats and test
 * messages (`{"test":true}`) are `check` messages (answered, never stored).
 */
export async function verifyKuaishouPush(req: PushRequest, secretFor: AppSecretLookup): Promise<PushVerification> {
  const q = req.query?.appKey ?? req.query?.appkey;
  const appKey = typeof q === 'string' ? q : Array.isArray(q) && typeof q[0] === 'string' ? q[0] : '';
  if (!appKey) return { ok: false, status: 401, reason: 'missing appKey query parameter (the push URL is /webhooks/kuaishou?appKey=<appKey>)' };
  const secret = await secretFor(appKey);
  if (!secret) return { ok: false, status: 401, reason: 'unknown appKey' };
  if (kuaishouSecretProblems(secret).length > 0) return { ok: false, status: 401, reason: 'the app has no usable kuaishou secrets' };
  const { messageKey } = kuaishouSecrets(secret);
  if (!messageKey) return { ok: false, status: 401, reason: 'the app has no message key' };
  let plain: string;
  try {
    plain = ksDecryptPush(req.rawBody.toString('utf8'), messageKey);
  } catch {
    return { ok: false, status: 401, reason: 'body does not decrypt with the app message key' };
  }
  let m: Record<string, unknown>;
  try {
    m = obj(parseLossless(plain));
  } catch {
    return { ok: false, status: 400, reason: 'decrypted body is not JSON' };
  }
  if (m.test === true && !optStr(m.event)) return { ok: true, messages: [{ platform: 'kuaishou', messageId: `test-${str(m.msgId ?? m.eventId)}`, platformShopId: null, topic: 'test', kind: 'check', platformOrderId: null, occurredAt: null, raw: plain }] };
  const named = optStr(m.appKey);
  if (named !== null && named !== appKey) return { ok: false, status: 401, reason: 'message names another appKey' };
  const event = str(m.event);
  const raw = typeof m.info === 'string' ? m.info : '';
  let info: Record<string, unknown> = {};
  if (raw) {
    try {
      info = obj(parseLossless(raw));
    } catch {
      return { ok: false, status: 400, reason: `${event} info is not JSON` };
    }
  }
  const kind = m.test === true ? 'check' : kindOfEvent(event);
  const orderId = optStr(info.oid) ?? optStr(info.orderId) ?? (kind === 'order' ? optStr(m.bizId) : null);
  const occurredAt = isoFromMillis(info.updateTime) ?? isoFromMillis(m.updateTime) ?? isoFromMillis(info.createTime) ?? isoFromMillis(m.createTime);
  const message: PushMessage = {
    platform: 'kuaishou',
    messageId: str(m.msgId) || str(m.eventId) || `${event}-${str(m.bizId)}-${str(m.updateTime)}`,
    platformShopId: optStr(m.openId) ?? optStr(m.userId),
    topic: event,
    kind,
    platformOrderId: orderId,
    occurredAt,
    // a paySuccess event is the payment: its update time is the pay time
    paidAt: event === 'kwaishop_order_paySuccess' ? occurredAt : null,
    raw: raw || plain,
  };
  return { ok: true, messages: [message] };
}

/** HTTP 200 with `{"result":1}` (anything else makes Kuaishou retry at 5, 10, 20, 30, 60 minutes) */
export function kuaishouPushReply(ok: boolean): { status: number; body: unknown } {
  return { status: 200, body: ok ? { result: 1 } : { result: 0, error_msg: 'fail' } };
}
