import type { CanonicalOrder, OrderPage, ShipmentRequest } from '@app/contracts';
import { UpstreamError, withPartialListing } from '@app/contracts';
import { fenToYuan, formatGmt8 } from '../signing';
import {
  DEFAULT_RATE_LIMIT_WAIT_MS,
  PlatformCaller,
  arr,
  checkWindow,
  createPlatformAxios,
  mapListed,
  num,
  obj,
  specDimensions,
  str,
  type Json,
  type PlatformAdapterDeps,
} from '../http';
import {
  PlatformAdapter,
  type AppSecretLookup,
  type ListingResult,
  type OrderListQuery,
  type PlatformCapabilities,
  type PriceUpdate,
  type ProductListing,
  type PushMessage,
  type PushRequest,
  type PushVerification,
  type ShopContext,
  type StockUpdate,
  type TokenSet,
} from '../platform-adapter.port';
import type { AuthorisedShop, OAuthApp } from '../platform-adapter.port';
import { taobaoTradeToCanonical } from './taobao.mapper';
import { TaobaoProtocol, type TaobaoApp } from './taobao.protocol';
import { tmcMessageToPush } from './taobao.tmc';
import { TaobaoTmcSocket, tmcSocketUrl } from './taobao.tmc-socket';
import type { MessageServiceApp, MessageServiceSocket, MessageSocketOptions } from '../capabilities';
import type { OutboundPolicy } from '@app/net';

export interface TaobaoAdapterOptions {
  /** only apps sold through the service market may refresh tokens (PROTOCOLS.md 2.6); default true */
  serviceMarketApp?: boolean;
}

const TRADE_FIELDS = [
  'tid', 'status', 'type', 'payment', 'total_fee', 'post_fee', 'discount_fee', 'created', 'pay_time', 'modified',
  'buyer_nick', 'receiver_name', 'receiver_mobile', 'receiver_address',
  'orders.oid', 'orders.num_iid', 'orders.sku_id', 'orders.outer_iid', 'orders.outer_sku_id', 'orders.title', 'orders.num',
  'orders.price', 'orders.payment', 'orders.discount_fee', 'orders.status', 'orders.refund_status',
].join(',');

/** increment.get returns trades with their orders, but no receiver fields (those come from fullinfo / decrypt) */
const LIST_FIELDS = TRADE_FIELDS.split(',')
  .filter((f) => !f.startsWith('receiver_'))
  .join(',');

export class TaobaoAdapter extends PlatformAdapter {
  readonly platform = 'taobao' as const;
  readonly capabilities: PlatformCapabilities;
  private readonly caller: PlatformCaller;
  private readonly protocol: TaobaoProtocol;
  private readonly outbound: OutboundPolicy | undefined;

  constructor(deps: PlatformAdapterDeps, options: TaobaoAdapterOptions = {}) {
    super();
    this.outbound = deps.options.outbound;
    const canRefresh = options.serviceMarketApp ?? true;
    this.capabilities = {
      stockDelta: true,
      tokenRefresh: canRefresh,
      pushTransport: 'tmc',
      orderListMaxWindowSec: 86_400,
      orderListPagesBackward: true,
      orderListMaxPageSize: 100,
      orderListIncludesDetail: true,
      orderApis: { list: 'taobao.trades.sold.increment.get', detail: 'taobao.trade.fullinfo.get' },
      // PROTOCOLS.md 2.5 lists no item / SKU read API (taobao.item.sku.get, used by updatePrice for the
      // SKU's properties, is not in it): price changes stay unverified on Taobao
      priceRead: false,
    };
    const http = createPlatformAxios('taobao', deps.options);
    this.protocol = new TaobaoProtocol(http, deps.options.defaultRateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS, canRefresh);
    this.caller = new PlatformCaller(this.protocol, deps);
  }

  private async call(shop: ShopContext, method: string, params: Record<string, unknown>): Promise<Json> {
    return obj(await this.caller.call(shop, method, params));
  }

  /**
   * `taobao.trades.sold.increment.get` returns newest first; to miss nothing while orders change, pages
   * are read from the last one back to the first. The first call reads page 1 only to learn the total.
   * Trades come with their order lines (LIST_FIELDS), so they are returned as full orders; a trade without
   * lines (a platform that withholds them) is returned as a partialId to fetch with getOrder.
   */
  async listOrders(shop: ShopContext, query: OrderListQuery): Promise<OrderPage> {
    checkWindow('taobao', query.from, query.to, this.capabilities.orderListMaxWindowSec);
    const size = Math.min(query.pageSize ?? 50, this.capabilities.orderListMaxPageSize);
    const fetch = (pageNo: number) =>
      this.call(shop, 'taobao.trades.sold.increment.get', {
        fields: LIST_FIELDS,
        start_modified: formatGmt8(query.from),
        end_modified: formatGmt8(new Date(query.to.getTime() - 1)),
        page_no: pageNo,
        page_size: size,
        use_has_next: false,
      });
    const trades = (res: Json) => arr(obj(res.trades).trade).map((t) => obj(t));
    const hasLines = (t: Json) => arr(obj(t.orders).order).length > 0;
    const pageArg = (): number => {
      const n = Number(query.page);
      if (!Number.isInteger(n) || n < 1) throw new UpstreamError('taobao', 'invalid_request', `bad paging state ${query.page}`);
      return n;
    };
    let pageNo: number;
    let res: Json;
    let next: number | null;
    if (query.newestFirst) {
      // the API's own order: page 1 is the newest
      pageNo = query.page === null ? 1 : pageArg();
      res = await fetch(pageNo);
      next = pageNo < Math.ceil(num(res.total_results) / size) ? pageNo + 1 : null;
    } else {
      if (query.page === null) {
        res = await fetch(1);
        const lastPage = Math.max(1, Math.ceil(num(res.total_results) / size));
        if (lastPage > 1) {
          pageNo = lastPage;
          res = await fetch(lastPage);
        } else pageNo = 1;
      } else {
        pageNo = pageArg();
        res = await fetch(pageNo);
      }
      next = pageNo > 1 ? pageNo - 1 : null;
    }
    const page = trades(res);
    // a trade whose status has no mapping is left out (reported in unmapped), never the whole page
    const { orders, unmapped } = mapListed(page.filter(hasLines), (t) => taobaoTradeToCanonical(shop, t), (t) => str(t.tid));
    return {
      orders,
      partialIds: page.filter((t) => !hasLines(t)).map((t) => str(t.tid)),
      hasMore: next !== null,
      next: next === null ? null : String(next),
      unmapped,
    };
  }

  async getOrder(shop: ShopContext, platformOrderId: string): Promise<CanonicalOrder> {
    const res = await this.call(shop, 'taobao.trade.fullinfo.get', { fields: TRADE_FIELDS, tid: platformOrderId });
    const trade = obj(res.trade);
    if (!str(trade.tid)) throw new UpstreamError('taobao', 'not_found', `trade ${platformOrderId} not returned`);
    return taobaoTradeToCanonical(shop, trade);
  }

  async ship(shop: ShopContext, shipment: ShipmentRequest): Promise<void> {
    const split = shipment.lineIds.length > 0;
    const res = await this.call(shop, 'taobao.logistics.offline.send', {
      tid: shipment.platformOrderId,
      out_sid: shipment.trackingNo,
      company_code: shipment.carrierCode,
      is_split: split ? 1 : undefined,
      sub_tid: split ? shipment.lineIds.join(',') : undefined,
    });
    if (obj(res.shipping).is_success === false) throw new UpstreamError('taobao', 'invalid_request', `shipment of ${shipment.platformOrderId} not accepted`);
  }

  async updateStock(shop: ShopContext, update: StockUpdate): Promise<void> {
    await this.call(shop, 'taobao.item.quantity.update', {
      num_iid: update.platformProductId,
      sku_id: update.platformSkuId,
      quantity: update.quantity,
      type: update.mode === 'delta' ? 2 : 1,
    });
  }

  async getStock(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<number> {
    return num((await this.sku(shop, platformProductId, platformSkuId)).quantity);
  }

  /** `taobao.item.sku.price.update` addresses the SKU by its `properties`; they are read first. */
  async updatePrice(shop: ShopContext, update: PriceUpdate): Promise<void> {
    const sku = await this.sku(shop, update.platformProductId, update.platformSkuId);
    await this.call(shop, 'taobao.item.sku.price.update', {
      num_iid: update.platformProductId,
      properties: str(sku.properties),
      price: fenToYuan(update.priceFen),
    });
  }

  private async sku(shop: ShopContext, numIid: string, skuId: string): Promise<Json> {
    const res = await this.call(shop, 'taobao.item.sku.get', { fields: 'sku_id,num_iid,properties,quantity,price,outer_id', num_iid: numIid, sku_id: skuId });
    const sku = obj(res.sku);
    if (!str(sku.sku_id)) throw new UpstreamError('taobao', 'not_found', `sku ${skuId} not returned`);
    return sku;
  }

  /**
   * Legacy `taobao.item.add` / `taobao.item.update`, then `taobao.item.seller.get` for the SKU ids.
   * SKU properties are sent as `name:value` pairs built from the listing's specs; the category's
   * property ids are expected in the spec names/values (catalog-sync's mapping). item.add sends the shop's
   * location (`location.state` / `location.city`); a shop without one fails before any call (invalid_request).
   * item.update leaves the item's location as it is.
   */
  async upsertProduct(shop: ShopContext, listing: ProductListing): Promise<ListingResult> {
    const dims = specDimensions(listing.skus);
    const skuProps = listing.skus.map((s) => dims.map(([k]) => `${k}:${s.specs[k] ?? ''}`).join(';'));
    const params: Record<string, unknown> = {
      title: listing.title,
      desc: listing.description,
      cid: listing.categoryId,
      type: 'fixed',
      stuff_status: 'new',
      num: listing.skus.reduce((n, s) => n + s.stock, 0),
      price: fenToYuan(Math.min(...listing.skus.map((s) => s.priceFen))),
      outer_id: listing.outerProductId,
      props: Object.entries(listing.attributes).map(([k, v]) => `${k}:${v}`).join(';'),
      pic_path: listing.images[0],
      sku_properties: skuProps.join(','),
      sku_quantities: listing.skus.map((s) => s.stock).join(','),
      sku_prices: listing.skus.map((s) => fenToYuan(s.priceFen)).join(','),
      sku_outer_ids: listing.skus.map((s) => s.skuCode).join(','),
    };
    let numIid = listing.platformProductId;
    if (numIid) {
      await this.call(shop, 'taobao.item.update', { ...params, num_iid: numIid });
    } else {
      // item.add requires where the item ships from: the shop's own setting, never a guess
      const location = shop.location;
      if (!location?.state || !location.city) {
        throw new UpstreamError('taobao', 'invalid_request', `shop ${shop.shopId}: shop location (state, city) is not set: PATCH /shops/:id with location`);
      }
      const res = await this.call(shop, 'taobao.item.add', { ...params, 'location.state': location.state, 'location.city': location.city });
      numIid = str(obj(res.item).num_iid);
      if (!numIid) throw new UpstreamError('taobao', 'retryable', 'taobao.item.add returned no num_iid');
    }
    // the item exists from here on: a failed SKU read carries its num_iid, so a retry updates it
    const itemId = numIid;
    try {
      const item = obj((await this.call(shop, 'taobao.item.seller.get', { fields: 'num_iid,sku', num_iid: itemId })).item);
      const byCode = new Map(arr(obj(item.skus).sku).map((k) => [str(obj(k).outer_id), str(obj(k).sku_id)] as const));
      return {
        platformProductId: itemId,
        skus: listing.skus.map((s) => {
          const platformSkuId = byCode.get(s.skuCode) ?? s.platformSkuId;
          if (!platformSkuId) throw new UpstreamError('taobao', 'retryable', `no sku_id for ${s.skuCode}`);
          return { skuCode: s.skuCode, platformSkuId };
        }),
      };
    } catch (e) {
      const known = listing.skus.flatMap((s) => (s.platformSkuId ? [{ skuCode: s.skuCode, platformSkuId: s.platformSkuId }] : []));
      throw withPartialListing(e, 'taobao', { platformProductId: itemId, skus: known });
    }
  }

  refreshToken(shop: ShopContext): Promise<TokenSet> {
    return this.caller.refresh(shop);
  }

  override exchangeAuthCode(app: OAuthApp, code: string, redirectUri: string): Promise<AuthorisedShop> {
    return this.caller.exchangeCode(app, code, redirectUri);
  }

  /** HTTP polling for TMC messages (`taobao.tmc.messages.consume`, quantity 10-200). */
  async consumeTmc(app: TaobaoApp, groupName: string, quantity: number): Promise<PushMessage[]> {
    const q = Math.min(Math.max(quantity, 10), 200);
    const res = await this.caller.guardedKey(`taobao:app-${app.appKey}`, () =>
      this.protocol.sendApp(app, 'taobao.tmc.messages.consume', { group_name: groupName, quantity: q }),
      { method: 'taobao.tmc.messages.consume' },
    );
    return arr(obj(res.messages).tmc_message).map((m) => tmcMessageToPush(obj(m)));
  }

  /**
   * Confirms processed TMC messages of the group they were consumed through; unconfirmed ones are delivered again.
   * TOP applies a confirm without group_name to the 'default' group, so the group is always sent.
   */
  async confirmTmc(app: TaobaoApp, groupName: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const res = await this.caller.guardedKey(`taobao:app-${app.appKey}`, () =>
      this.protocol.sendApp(app, 'taobao.tmc.messages.confirm', { group_name: groupName, s_message_ids: ids.join(',') }),
      { method: 'taobao.tmc.messages.confirm' },
    );
    if (res.is_success === false) throw new UpstreamError('taobao', 'retryable', 'tmc confirm not accepted');
  }

  /**
   * The TMC WebSocket (pushed messages, PROTOCOLS.md 2.4) for the app's base URL: ws://mc.api.taobao.com/ for the
   * production router, the base URL's own origin otherwise (the simulator). Started; the caller closes it.
   */
  openTmcSocket(app: MessageServiceApp, groupName: string, options: MessageSocketOptions = {}): MessageServiceSocket {
    return new TaobaoTmcSocket(app, groupName, { ...options, url: tmcSocketUrl(app.baseUrl), outbound: this.outbound }).start();
  }

  /** Taobao has no HTTP push: messages arrive through TMC (the socket, or consumeTmc). */
  async verifyPush(_req: PushRequest, _secretFor: AppSecretLookup): Promise<PushVerification> {
    return { ok: false, status: 404, reason: 'taobao delivers messages through TMC, not HTTP push' };
  }

  pushReply(ok: boolean): { status: number; body: unknown } {
    return { status: ok ? 200 : 404, body: ok ? { success: true } : { success: false } };
  }
}
