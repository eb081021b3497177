import { RawNumber, canonicalJson, fenToYuan, formatGmt8, parseGmt8, taobaoSign, yuanToFen } from '../../../src/signing';
import type { InjectedFault, SeedOrder, SeedOrderStatus } from '../contract-backend';
import { NockBackendBase, orderTotals, type NockReply, type StoredOrder, type StoredProduct } from './nock-backend.base';

const STATUS: Record<SeedOrderStatus, string> = {
  pending_payment: 'WAIT_BUYER_PAY',
  paid: 'WAIT_SELLER_SEND_GOODS',
  shipped: 'WAIT_BUYER_CONFIRM_GOODS',
  completed: 'TRADE_FINISHED',
  cancelled: 'TRADE_CLOSED_BY_TAOBAO',
  refunded: 'TRADE_CLOSED',
};
const TOPIC: Record<SeedOrderStatus, string> = {
  pending_payment: 'taobao_trade_TradeCreate',
  paid: 'taobao_trade_TradeBuyerPay',
  shipped: 'taobao_trade_TradeSellerShip',
  completed: 'taobao_trade_TradeSuccess',
  cancelled: 'taobao_trade_TradeClose',
  refunded: 'taobao_refund_RefundSuccess',
};

type TopError = [number, string, string, string];
const FAULTS: Record<InjectedFault, TopError> = {
  busy: [15, 'Remote service error', 'isp.remote-service-unavailable', '服务不可用'],
  rate_limited: [7, 'App Call Limited', 'accesscontrol.limited-by-api-access-count', 'This ban will last for 2 more seconds'],
  token_expired: [27, 'Invalid session', 'session-expired', 'SessionKey已过期'],
  auth_revoked: [27, 'Invalid session', 'session-revoked', 'The authorization has been revoked by the seller'],
  invalid_request: [40, 'Missing required arguments', 'isv.missing-parameter', '缺少参数'],
};

const raw = (v: string) => new RawNumber(v);
const t8 = (d: Date | null) => (d ? formatGmt8(d) : undefined);

interface TmcMessage {
  id: string;
  topic: string;
  content: string;
  pub_time: string;
  user_id: RawNumber;
}

/** Taobao TOP over nock: one /router/rest endpoint, form-encoded params, uppercase MD5 sign. */
export class TaobaoNockBackend extends NockBackendBase {
  readonly platform = 'taobao' as const;
  private readonly tmc: TmcMessage[] = [];

  constructor() {
    super('taobao', '2200000000001', '12345678', 'taobao-test-secret');
  }

  static async create(): Promise<TaobaoNockBackend> {
    return new TaobaoNockBackend().start();
  }

  override async seedOrders(orders: SeedOrder[]): Promise<void> {
    await super.seedOrders(orders);
    for (const o of orders) this.publish(o);
  }

  private publish(o: SeedOrder): void {
    this.tmc.push({
      id: this.newId('51'),
      topic: TOPIC[o.status],
      content: canonicalJson({ tid: raw(o.platformOrderId), status: TOPIC[o.status].split('_').pop(), seller_nick: 'nock-seller', payment: fenToYuan(orderTotals(o).paidFen), modified: formatGmt8(o.updatedAt) }),
      pub_time: formatGmt8(new Date()),
      user_id: raw(this.platformShopId),
    });
  }

  protected handle(url: URL, rawBody: string): NockReply {
    if (url.pathname !== '/router/rest') return [404, 'not found'];
    const form = new URLSearchParams(rawBody);
    const p: Record<string, string> = {};
    for (const [k, v] of form) p[k] = v;
    const method = p.method ?? '';
    if (p.app_key !== this.creds.appKey) return this.err(method, [29, 'Invalid app Key', 'isv.appkey-not-exists', '']);
    if (p.v !== '2.0' || p.format !== 'json') return this.err(method, [41, 'Invalid arguments', 'isv.invalid-parameter', 'v / format']);
    let skew = Infinity;
    try {
      skew = Math.abs(parseGmt8(p.timestamp ?? '').getTime() - Date.now());
    } catch {
      skew = Infinity;
    }
    if (skew > 10 * 60_000) return this.err(method, [31, 'Invalid timestamp', 'isv.invalid-timestamp', '']);
    if (!/^[0-9A-F]+$/.test(p.sign ?? '') || p.sign !== taobaoSign(p, this.creds.appSecret)) return this.err(method, [25, 'Invalid signature', 'isv.sign-check-failure', '']);
    const business: Record<string, string> = {};
    for (const [k, v] of Object.entries(p)) if (!['method', 'app_key', 'session', 'timestamp', 'format', 'v', 'sign_method', 'sign'].includes(k)) business[k] = v;

    if (method === 'taobao.top.auth.token.refresh') {
      const t = this.rotateTokens(business.refresh_token ?? '');
      if (!t) return this.err(method, [15, 'Remote service error', 'isv.refresh-token-invalid', 'refresh token invalid']);
      this.record(method, business);
      const result = canonicalJson({ access_token: t.accessToken, refresh_token: t.refreshToken, expires_in: t.expiresInSec, re_expires_in: 14 * 86_400, taobao_user_id: raw(this.platformShopId), taobao_user_nick: 'nock-seller', expire_time: raw(String(Date.now() + t.expiresInSec * 1000)) });
      return this.ok(method, { token_result: result });
    }
    if (method === 'taobao.tmc.messages.consume') {
      this.record(method, business);
      const q = Number(business.quantity ?? 100);
      return this.ok(method, { messages: { tmc_message: this.tmc.slice(0, q) } });
    }
    if (method === 'taobao.tmc.messages.confirm') {
      this.record(method, business);
      const ids = new Set((business.s_message_ids ?? '').split(',').filter(Boolean));
      for (let i = this.tmc.length - 1; i >= 0; i--) if (ids.has(this.tmc[i].id)) this.tmc.splice(i, 1);
      return this.ok(method, { is_success: true });
    }

    const state = this.tokenState(p.session);
    if (state === 'expired') return this.err(method, FAULTS.token_expired);
    if (state === 'invalid') return this.err(method, [27, 'Invalid session', 'invalid-sessionkey', 'SessionKey非法']);
    const fault = this.takeFault(method);
    if (fault) return this.err(method, FAULTS[fault]);
    this.record(method, business);
    const reply = this.dispatch(method, business);
    const lost = this.takeFault(method, 'after');
    return lost ? this.err(method, FAULTS[lost]) : reply;
  }

  private dispatch(method: string, p: Record<string, string>): NockReply {
    switch (method) {
      case 'taobao.trades.sold.increment.get': {
        const pageNo = Number(p.page_no ?? 1);
        const size = Number(p.page_size ?? 40);
        if (pageNo < 1 || size < 1 || size > 100) return this.err(method, [41, 'Invalid arguments', 'isv.invalid-parameter', 'page']);
        const from = parseGmt8(p.start_modified).getTime();
        const to = parseGmt8(p.end_modified).getTime() + 999;
        if (to - from > 86_400_000 + 999) return this.err(method, [41, 'Invalid arguments', 'isv.invalid-parameter', 'window > 1 day']);
        const all = this.ordersInWindow(from, to).reverse(); // newest first
        const page = all.slice((pageNo - 1) * size, pageNo * size);
        return this.ok(method, { total_results: all.length, trades: { trade: page.map((o) => ({ tid: raw(o.platformOrderId), status: STATUS[o.status], modified: formatGmt8(o.updatedAt) })) } });
      }
      case 'taobao.trade.fullinfo.get': {
        const o = this.orders.get(p.tid ?? '');
        if (!o) return this.err(method, [15, 'Remote service error', 'isv.trade-not-exist', '交易不存在']);
        return this.ok(method, { trade: this.tradeJson(o) });
      }
      case 'taobao.logistics.offline.send': {
        const o = this.orders.get(p.tid ?? '');
        if (!o) return this.err(method, [15, 'Remote service error', 'isv.trade-not-exist', '交易不存在']);
        if (o.status !== 'paid') return this.err(method, [15, 'Remote service error', 'isv.logistics-offline-service-error:B04', '订单状态不允许发货']);
        this.ship(o, p.out_sid ?? '', p.company_code ?? '');
        this.publish(o);
        return this.ok(method, { shipping: { is_success: true } });
      }
      case 'taobao.item.quantity.update': {
        const sku = this.findSku(p.num_iid ?? '', p.sku_id ?? '');
        if (!sku) return this.err(method, [15, 'Remote service error', 'isv.item-not-exist', '商品不存在']);
        const n = Number(p.quantity);
        sku.stock = p.type === '2' ? Math.max(0, sku.stock + n) : n;
        return this.ok(method, { item: { num_iid: raw(p.num_iid), quantity: sku.stock, modified: formatGmt8(new Date()) } });
      }
      case 'taobao.item.sku.get': {
        const product = this.products.get(p.num_iid ?? '');
        const i = product?.skus.findIndex((s) => s.skuId === p.sku_id) ?? -1;
        if (!product || i < 0) return this.err(method, [15, 'Remote service error', 'isv.item-not-exist', '商品不存在']);
        return this.ok(method, { sku: this.skuJson(product, i) });
      }
      case 'taobao.item.sku.price.update': {
        const product = this.products.get(p.num_iid ?? '');
        const i = product?.skus.findIndex((_s, idx) => this.props(idx) === p.properties) ?? -1;
        if (!product || i < 0) return this.err(method, [15, 'Remote service error', 'isv.item-sku-not-exist', 'sku不存在']);
        product.skus[i].priceFen = yuanToFen(p.price);
        return this.ok(method, { sku: { sku_id: raw(product.skus[i].skuId), modified: formatGmt8(new Date()) } });
      }
      case 'taobao.item.add':
      case 'taobao.item.update': {
        const codes = (p.sku_outer_ids ?? '').split(',');
        const prices = (p.sku_prices ?? '').split(',');
        const qty = (p.sku_quantities ?? '').split(',');
        if (!p.title || codes.length === 0 || codes.length !== prices.length) return this.err(method, [40, 'Missing required arguments', 'isv.missing-parameter', 'sku']);
        let product: StoredProduct | undefined;
        if (method === 'taobao.item.update') {
          product = this.products.get(p.num_iid ?? '');
          if (!product) return this.err(method, [15, 'Remote service error', 'isv.item-not-exist', '商品不存在']);
        } else {
          product = { productId: this.newId('66'), skus: [] };
          this.products.set(product.productId, product);
        }
        product.title = p.title;
        codes.forEach((code, i) => {
          const existing = product.skus.find((s) => s.skuCode === code);
          const fen = yuanToFen(prices[i]);
          if (existing) Object.assign(existing, { priceFen: fen, stock: Number(qty[i] ?? 0) });
          else product.skus.push({ skuId: this.newId('48'), skuCode: code, priceFen: fen, originalPriceFen: fen, stock: Number(qty[i] ?? 0) });
        });
        return this.ok(method, { item: { num_iid: raw(product.productId), created: formatGmt8(new Date()) } });
      }
      case 'taobao.item.seller.get': {
        const product = this.products.get(p.num_iid ?? '');
        if (!product) return this.err(method, [15, 'Remote service error', 'isv.item-not-exist', '商品不存在']);
        return this.ok(method, { item: { num_iid: raw(product.productId), skus: { sku: product.skus.map((_s, i) => this.skuJson(product, i)) } } });
      }
      default:
        return this.err(method, [22, 'Invalid method', 'isv.invalid-method', method]);
    }
  }

  private props(index: number): string {
    return `1627207:${28320 + index}`;
  }

  private skuJson(product: StoredProduct, i: number): Record<string, unknown> {
    const s = product.skus[i];
    return { sku_id: raw(s.skuId), num_iid: raw(product.productId), properties: this.props(i), quantity: s.stock, price: fenToYuan(s.priceFen), outer_id: s.skuCode };
  }

  private tradeJson(o: StoredOrder): Record<string, unknown> {
    const t = orderTotals(o);
    return {
      tid: raw(o.platformOrderId),
      status: STATUS[o.status],
      type: 'fixed',
      total_fee: fenToYuan(t.goodsFen),
      post_fee: fenToYuan(o.shippingFen),
      discount_fee: fenToYuan(o.discountFen),
      payment: fenToYuan(t.paidFen),
      created: t8(o.createdAt),
      pay_time: t8(o.paidAt),
      modified: t8(o.updatedAt),
      buyer_nick: 't**1',
      receiver_name: '张*',
      orders: {
        order: o.items.map((i) => ({
          oid: raw(i.lineId),
          num_iid: raw(i.productId),
          sku_id: raw(i.skuId),
          outer_sku_id: i.skuCode,
          title: i.title,
          num: i.quantity,
          price: fenToYuan(i.unitPriceFen),
          payment: fenToYuan(i.unitPriceFen * i.quantity),
          discount_fee: '0.00',
          status: STATUS[o.status],
          refund_status: o.status === 'refunded' ? 'SUCCESS' : 'NO_REFUND',
        })),
      },
    };
  }

  private ok(method: string, res: Record<string, unknown>): NockReply {
    const key = `${method.replace(/^taobao\./, '').replace(/\./g, '_')}_response`;
    return [200, canonicalJson({ [key]: { ...res, request_id: 'nock' } }), { 'content-type': 'application/json;charset=UTF-8' }];
  }

  private err(_method: string, [code, msg, subCode, subMsg]: TopError): NockReply {
    return [200, canonicalJson({ error_response: { code, msg, sub_code: subCode, sub_msg: subMsg, request_id: 'nock' } }), { 'content-type': 'application/json;charset=UTF-8' }];
  }
}
