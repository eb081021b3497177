import { Injectable } from '@nestjs/common';
import { PlatformAdapterLookup } from '@app/intake';
import { ShopDirectory, hasCapability, unsupportedReason, type MessageServiceConsumer, type ShopContext } from '@app/platforms';
import { TmcSource, type TmcMessage } from './tmc-source.port';

/**
 * TmcSource over the Taobao adapter's HTTP TMC calls (its `tmc` capability); one stream per Taobao app key
 * among active shops.
 */
@Injectable()
export class TaobaoTmcSource extends TmcSource {
  constructor(
    private readonly adapters: PlatformAdapterLookup,
    private readonly shops: ShopDirectory,
  ) {
    super();
  }

  async apps(): Promise<string[]> {
    const shops = await this.shops.listActive('taobao');
    return [...new Set(shops.map((s) => s.credentials.appKey))];
  }

  async consume(appKey: string, groupName: string, quantity: number): Promise<TmcMessage[]> {
    const app = await this.app(appKey);
    if (!app) return [];
    const messages = await this.taobao().consumeTmc(app, groupName, quantity);
    return messages.map((message) => ({ tmcId: message.messageId, message }));
  }

  async confirm(appKey: string, groupName: string, tmcIds: string[]): Promise<void> {
    const app = await this.app(appKey);
    if (app) await this.taobao().confirmTmc(app, groupName, tmcIds);
  }

  private taobao(): MessageServiceConsumer {
    const adapter = this.adapters.get('taobao');
    if (!hasCapability(adapter, 'tmc')) throw new Error(unsupportedReason(adapter, 'tmc'));
    return adapter;
  }

  private async app(appKey: string): Promise<{ appKey: string; appSecret: string; baseUrl: string } | null> {
    const shops: ShopContext[] = await this.shops.listActive('taobao');
    const shop = shops.find((s) => s.credentials.appKey === appKey);
    return shop ? { appKey, appSecret: shop.credentials.appSecret, baseUrl: shop.baseUrl } : null;
  }
}
