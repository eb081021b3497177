import { Injectable, Logger } from '@nestjs/common';
import type { Platform } from '@app/contracts';
import { InboxWriter, PlatformAdapterLookup, type InboxEntry } from '@app/intake';
import { ShopDirectory, type PushRequest } from '@app/platforms';
import type { CapturedBody } from './webhook-body.middleware';

export interface WebhookReply {
  status: number;
  body: unknown;
}

/**
 * Verify -> store -> reply. Nothing is stored unless the signature checks out; the success reply is sent only
 * after the inbox rows are committed (InboxWriter resolves after its group's commit).
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);

  constructor(
    private readonly adapters: PlatformAdapterLookup,
    private readonly shops: ShopDirectory,
    private readonly writer: InboxWriter,
  ) {}

  async handle(platform: Platform, headers: PushRequest['headers'], body: CapturedBody): Promise<WebhookReply> {
    const adapter = this.adapters.get(platform);
    const fail = (status: number): WebhookReply => ({ status, body: adapter.pushReply(false).body });
    if (!body.ok) {
      const tooLarge = 'tooLarge' in body;
      this.logger.warn(`${platform} push rejected: body ${tooLarge ? 'over the size limit' : 'nested too deep'}`);
      return fail(tooLarge ? 413 : 400);
    }
    let verification;
    try {
      verification = await adapter.verifyPush({ headers, rawBody: body.raw }, (appKey) => this.shops.appSecret(platform, appKey));
    } catch (e) {
      this.logger.error(`${platform} push verification could not run: ${String(e)}`);
      return fail(503);
    }
    if (!verification.ok) {
      this.logger.warn(`${platform} push rejected (${verification.status}): ${verification.reason}`);
      return fail(verification.status);
    }
    const messages = verification.messages.filter((m) => m.kind !== 'check');
    try {
      const shopIds = new Map<string, string | null>();
      for (const m of messages) {
        if (m.platformShopId && !shopIds.has(m.platformShopId)) {
          shopIds.set(m.platformShopId, (await this.shops.findByPlatformShopId(platform, m.platformShopId))?.shopId ?? null);
        }
      }
      const entries: InboxEntry[] = messages.map((m) => ({
        message: m,
        shopId: m.platformShopId ? (shopIds.get(m.platformShopId) ?? null) : null,
      }));
      if (entries.length > 0) await this.writer.write(entries);
    } catch (e) {
      // not durable: the platform must redeliver
      this.logger.error(`${platform} push of ${messages.length} messages not stored: ${String(e)}`);
      return fail(503);
    }
    return adapter.pushReply(true);
  }
}
