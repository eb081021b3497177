import { Injectable, Logger } from '@nestjs/common';
import type { Platform } from '@app/contracts';
import { InboxWriter, PlatformAdapterLookup, entriesForApp } from '@app/intake';
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

  async handle(
    platform: Platform,
    headers: PushRequest['headers'],
    body: CapturedBody,
    query: PushRequest['query'] = {},
    path?: PushRequest['path'],
  ): Promise<WebhookReply> {
    const adapter = this.adapters.get(platform);
    const fail = (status: number): WebhookReply => ({ status, body: adapter.pushReply(false).body });
    if (!body.ok) {
      const tooLarge = 'tooLarge' in body;
      this.logger.warn(`${platform} push rejected: body ${tooLarge ? 'over the size limit' : 'nested too deep'}`);
      return fail(tooLarge ? 413 : 400);
    }
    let verification;
    // the app whose secret checked the signature: the only app this push may speak for
    let signer: string | null = null;
    try {
      verification = await adapter.verifyPush({ headers, rawBody: body.raw, query, path }, (appKey) => {
        signer = appKey;
        return this.shops.appSecret(platform, appKey);
      });
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
      if (signer === null) throw new Error('the adapter verified a push without looking up its app');
      const entries = await entriesForApp(this.shops, platform, signer, messages);
      const foreign = entries.filter((e) => e.ignored).length;
      if (foreign > 0) this.logger.warn(`${platform} push from app ${signer}: ${foreign} of ${entries.length} messages name shops not authorised under it; stored as ignored`);
      if (entries.length > 0) await this.writer.write(entries);
    } catch (e) {
      // not durable: the platform must redeliver
      this.logger.error(`${platform} push of ${messages.length} messages not stored: ${String(e)}`);
      return fail(503);
    }
    return adapter.pushReply(true);
  }
}
