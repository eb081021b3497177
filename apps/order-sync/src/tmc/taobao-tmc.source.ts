import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { PlatformAdapterLookup } from '@app/intake';
import { ShopDirectory, hasCapability, unsupportedReason, type MessageServiceApp, type MessageServiceConsumer, type MessageServiceSocket, type ShopContext } from '@app/platforms';
import { DEFAULT_ORDER_SYNC_OPTIONS, ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { TmcSource, type TmcMessage } from './tmc-source.port';

/**
 * TmcSource over the Taobao adapter's TMC channels; one stream per Taobao app key among active shops.
 *
 * With TAOBAO_TMC_CHANNEL=socket (default) each app and group holds a TMC WebSocket (the adapter's
 * openTmcSocket: signed CONNECT, pushed messages, reconnect with backoff). While it is up, consume hands out
 * what it has pushed and the consumer waits for pushes (no poll delay); while it is down, consume is one HTTP
 * taobao.tmc.messages.consume as before, and the socket keeps reconnecting behind it. Confirm goes over the
 * socket for the ids the current connection delivered, over HTTP for the rest (HTTP-consumed ones, and ones
 * pushed on a connection that has since dropped — whether TOP takes an HTTP confirm for a pushed message is
 * unconfirmed; if not, the message is redelivered and the inbox's unique key absorbs it).
 * With `http`, only the HTTP consume, as before.
 */
@Injectable()
export class TaobaoTmcSource extends TmcSource implements OnModuleDestroy {
  private readonly logger = new Logger(TaobaoTmcSource.name);
  private readonly sockets = new Map<string, { socket: MessageServiceSocket; secret: string; baseUrl: string }>();
  private readonly channel: OrderSyncOptions['tmcChannel'];
  private closed = false;
  private readonly appCache = new Map<string, { app: MessageServiceApp | null; until: number }>();

  constructor(
    private readonly adapters: PlatformAdapterLookup,
    private readonly shops: ShopDirectory,
    @Optional() @Inject(ORDER_SYNC_OPTIONS) opts?: OrderSyncOptions,
  ) {
    super();
    this.channel = opts?.tmcChannel ?? DEFAULT_ORDER_SYNC_OPTIONS.tmcChannel;
  }

  async apps(): Promise<string[]> {
    const shops = await this.shops.listActive('taobao');
    return [...new Set(shops.map((s) => s.credentials.appKey))];
  }

  async consume(appKey: string, groupName: string, quantity: number): Promise<TmcMessage[]> {
    const app = await this.app(appKey);
    if (!app) {
      await this.drop(appKey, groupName);
      return [];
    }
    const socket = this.socket(app, groupName);
    if (socket?.up) return socket.take(quantity).map((message) => ({ tmcId: message.messageId, message }));
    const messages = await this.taobao().consumeTmc(app, groupName, quantity);
    return messages.map((message) => ({ tmcId: message.messageId, message }));
  }

  async confirm(appKey: string, groupName: string, tmcIds: string[]): Promise<void> {
    if (tmcIds.length === 0) return;
    const viaSocket = new Set(this.sockets.get(key(appKey, groupName))?.socket.confirm(tmcIds) ?? []);
    const rest = tmcIds.filter((id) => !viaSocket.has(id));
    if (rest.length === 0) return;
    const app = await this.app(appKey);
    if (app) await this.taobao().confirmTmc(app, groupName, rest);
  }

  override pushing(appKey: string, groupName: string): boolean {
    return this.sockets.get(key(appKey, groupName))?.socket.up === true;
  }

  override async waitForPush(appKey: string, groupName: string, maxMs: number): Promise<void> {
    const s = this.sockets.get(key(appKey, groupName));
    if (s) await s.socket.waitForMessages(maxMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const all = [...this.sockets.values()];
    this.sockets.clear();
    await Promise.all(all.map((s) => s.socket.close()));
  }

  /** the app's socket (opened on first use), or null with the http channel or an adapter without one */
  private socket(app: MessageServiceApp, groupName: string): MessageServiceSocket | null {
    if (this.channel !== 'socket' || this.closed) return null;
    const k = key(app.appKey, groupName);
    const held = this.sockets.get(k);
    // a rotated secret or a moved base URL: reconnect with the new ones
    if (held && held.secret === app.appSecret && held.baseUrl === app.baseUrl) return held.socket;
    if (held) void held.socket.close();
    const adapter = this.taobao();
    if (!adapter.openTmcSocket) return null;
    const socket = adapter.openTmcSocket(app, groupName, {
      log: (level, message) => (level === 'error' ? this.logger.error(message) : level === 'warn' ? this.logger.warn(message) : this.logger.log(message)),
    });
    this.sockets.set(k, { socket, secret: app.appSecret, baseUrl: app.baseUrl });
    return socket;
  }

  private async drop(appKey: string, groupName: string): Promise<void> {
    const held = this.sockets.get(key(appKey, groupName));
    if (!held) return;
    this.sockets.delete(key(appKey, groupName));
    await held.socket.close();
  }

  private taobao(): MessageServiceConsumer {
    const adapter = this.adapters.get('taobao');
    if (!hasCapability(adapter, 'tmc')) throw new Error(unsupportedReason(adapter, 'tmc'));
    return adapter;
  }

  /**
   * The app's credentials from its active shops, remembered for APP_TTL_MS: with pushes the consumer runs a
   * round per arrival, and listActive is a query plus a decryption per shop.
   */
  private async app(appKey: string): Promise<MessageServiceApp | null> {
    const cached = this.appCache.get(appKey);
    if (cached && cached.until > Date.now()) return cached.app;
    const shops: ShopContext[] = await this.shops.listActive('taobao');
    const shop = shops.find((s) => s.credentials.appKey === appKey);
    const app = shop ? { appKey, appSecret: shop.credentials.appSecret, baseUrl: shop.baseUrl } : null;
    this.appCache.set(appKey, { app, until: Date.now() + APP_TTL_MS });
    return app;
  }
}

/** how long an app's credentials are reused (a rotated secret or a deactivated shop is seen within this) */
const APP_TTL_MS = 2000;

function key(appKey: string, groupName: string): string {
  return `${appKey}\u0000${groupName}`;
}
