import type { PushMessage } from '@app/platforms';

/** a Douyin order push as the webhook parser hands it to the inbox (topic 101, order kind) */
export function douyinPush(messageId: string, platformOrderId: string, occurredAt: string, platformShopId = 'dy-shop-1'): PushMessage {
  return {
    platform: 'douyin',
    messageId,
    platformShopId,
    topic: '101',
    kind: 'order',
    platformOrderId,
    occurredAt,
    raw: JSON.stringify({ id: messageId, orderId: platformOrderId }),
  };
}
