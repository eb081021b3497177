import { parseLossless } from '../signing';
import { obj, optStr, str } from '../http';
import type { PushMessage } from '../platform-adapter.port';
import { isoGmt8 } from './taobao.mapper';

function kindOfTopic(topic: string): PushMessage['kind'] {
  if (topic.startsWith('taobao_trade_')) return 'order';
  if (topic.startsWith('taobao_refund_')) return 'refund';
  if (topic.startsWith('taobao_item_')) return 'product';
  if (topic.startsWith('taobao_top_Auth')) return 'auth';
  return 'other';
}

/** One `tmc_message` (id, topic, content JSON string, pub_time GMT+8, user_id) -> PushMessage. */
export function tmcMessageToPush(m: Record<string, unknown>): PushMessage {
  const raw = str(m.content);
  let content: Record<string, unknown> = {};
  try {
    content = obj(parseLossless(raw || '{}'));
  } catch {
    content = {};
  }
  let occurredAt: string | null = null;
  try {
    occurredAt = isoGmt8(content.modified) ?? isoGmt8(m.pub_time);
  } catch {
    occurredAt = null;
  }
  return {
    platform: 'taobao',
    messageId: str(m.id),
    platformShopId: optStr(m.user_id) ?? optStr(m.user_nick),
    topic: str(m.topic),
    kind: kindOfTopic(str(m.topic)),
    platformOrderId: optStr(content.tid),
    occurredAt,
    // the buyer-paid message's modified time is the payment's
    paidAt: str(m.topic) === 'taobao_trade_TradeBuyerPay' ? occurredAt : null,
    raw,
  };
}
