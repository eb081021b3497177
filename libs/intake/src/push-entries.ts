import type { Platform } from '@app/contracts';
import type { PushMessage, ShopDirectory } from '@app/platforms';
import type { InboxEntry } from './inbox-writer';

export const NOT_AUTHORISED_UNDER_APP = 'shop not authorised under the app that signed the message';

/**
 * Inbox entries for messages one app delivered (it signed the HTTP push, or it owns the TMC stream). A message
 * is accepted only for a shop authorised under that app; any other message (another app's shop, an unknown
 * shop, no shop id) is kept as `ignored`, under no shop, for audit — it never reaches the order path.
 */
export async function entriesForApp(directory: ShopDirectory, platform: Platform, appKey: string, messages: PushMessage[]): Promise<InboxEntry[]> {
  const shops = new Map<string, string | null>();
  for (const m of messages) {
    const psid = m.platformShopId;
    if (!psid || shops.has(psid)) continue;
    const shop = await directory.findByPlatformShopId(platform, psid);
    shops.set(psid, shop && shop.credentials.appKey === appKey ? shop.shopId : null);
  }
  return messages.map((message) => {
    const shopId = message.platformShopId ? (shops.get(message.platformShopId) ?? null) : null;
    return shopId ? { message, appKey, shopId } : { message, appKey, shopId: null, ignored: NOT_AUTHORISED_UNDER_APP };
  });
}
