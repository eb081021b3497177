import type { IncomingHttpHeaders } from 'node:http';
import { kuaishouAppSecret, kuaishouSecrets } from '../../../src/kuaishou/kuaishou.credentials';
import { kuaishouSign, type KuaishouSignMethod } from '../../../src/kuaishou/kuaishou.sign';
import { canonicalJson, parseLossless, rawNumber } from '../../../src/signing';
import type { InjectedFault, SeedOrderStatus } from '../contract-backend';
import { NockBackendBase, orderTotals, type NockReply, type StoredOrder } from './nock-backend.base';

const STATUS: Record<SeedOrderStatus, number> = { pending_payment: 10, paid: 30, shipped: 40, completed: 70, cancelled: 80, refunded: 80 };
const FAULTS: Record<InjectedFault, [number, string]> = {
  busy: [500, '服务端异常,请稍后重试'],
  rate_limited: [802000, 'Exceed qps limit, KEY [apiId:1;appkey:ks-nock], MAX_QPS [300.0]'],
  token_expired: [24, 'access_token已过期'],
  auth_revoked: [22, '授权已取消'],
  invalid_request: [400, '参数错误'],
};
const SIGNED = ['appkey', 'method', 'version', 'param', 'access_token', 'timestamp', 'signMethod'];
const NO_MORE = 'nomore';

function id(v: string): unknown {
  return /^\d{1,19}$/.test(v) ? rawNumber(v) : v;
}

/** Kuaishou over nock: /open/<method path> form-encoded (GET query / POST body), signed with the signSecret; OAuth at /oauth2/*. */
export class KuaishouNockBackend extends NockBackendBase {
  readonly platform = 'kuaishou' as const;
  private readonly usedRefresh = new Set<string>();

  constructor() {
    super('kuaishou', 'f0c1nockopenid0000000000000000aa', 'ks-nock-app-0001', kuaishouAppSecret({ appSecret: 'ks-nock-app-secret', signSecret: 'ks-nock-sign-secret', messageKey: Buffer.alloc(16, 3).toString('base64') }));
  }

  static async create(): Promise<KuaishouNockBackend> {
    return new KuaishouNockBackend().start();
  }

  protected handle(url: URL, rawBody: string, headers: IncomingHttpHeaders): NockReply {
    const verb = String(headers[':method']);
    const form: Record<string, string> = Object.fromEntries(url.searchParams);
    if (verb === 'POST') {
      if (!String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return this.err(400, '参数错误: Content-Type');
      Object.assign(form, Object.fromEntries(new URLSearchParams(rawBody)));
    }
    const secrets = kuaishouSecrets(this.creds.appSecret);
    if (url.pathname === '/oauth2/refresh_token') {
      if (verb !== 'POST') return this.oauthErr(100200100, 'invalid_request', 'POST required');
      if (form.app_id !== this.creds.appKey || form.app_secret !== secrets.appSecret) return this.oauthErr(100200101, 'unauthorized_client', 'app');
      if (form.grant_type !== 'refresh_token') return this.oauthErr(100200104, 'unsupported_grant_type', form.grant_type ?? '');
      const rt = form.refresh_token ?? '';
      if (this.usedRefresh.has(rt)) return this.oauthErr(100200102, 'access_denied', 'refreshToken.discarded');
      const t = this.rotateTokens(rt);
      if (!t) return this.oauthErr(100200102, 'access_denied', 'invalid refresh_token');
      this.usedRefresh.add(rt);
      this.record('oauth2.refresh_token', { grant_type: form.grant_type, refresh_token: rt });
      return [200, canonicalJson({ result: 1, access_token: t.accessToken, expires_in: t.expiresInSec, refresh_token: t.refreshToken, refresh_token_expires_in: 15_000_000, scopes: ['merchant_order'] }), { 'content-type': 'application/json' }];
    }
    if (!url.pathname.startsWith('/open/')) return [404, 'not found'];
    const method = form.method ?? '';
    if (`/${method.replace(/\./g, '/')}` !== url.pathname) return this.err(11, 'method无效');
    if (form.appkey !== this.creds.appKey) return this.err(10, 'appkey无效');
    if (form.version !== '1') return this.err(400, '参数错误: version');
    if (!/^\d{13}$/.test(form.timestamp ?? '') || Math.abs(Number(form.timestamp) - Date.now()) > 10 * 60_000) return this.err(29, 'timestamp无效');
    const signed: Record<string, string> = {};
    for (const k of SIGNED) if (form[k] !== undefined) signed[k] = form[k];
    if (form.sign !== kuaishouSign(signed, secrets.signSecret, (form.signMethod ?? 'MD5') as KuaishouSignMethod)) return this.err(28, '签名验证失败');
    const state = this.tokenState(form.access_token);
    if (state === 'expired') return this.err(...FAULTS.token_expired);
    if (state === 'invalid') return this.err(24, 'access_token无效');
    const fault = this.takeFault(method);
    if (fault) return this.err(...FAULTS[fault]);
    const p = (form.param ? parseLossless(form.param) : {}) as Record<string, unknown>;
    this.record(method, p);
    const reply = this.dispatch(method, p);
    const lost = this.takeFault(method, 'after');
    return lost ? this.err(...FAULTS[lost]) : reply;
  }

  private dispatch(method: string, p: Record<string, unknown>): NockReply {
    const s = (k: string) => (p[k] === undefined || p[k] === null ? '' : String(p[k]));
    switch (method) {
      case 'open.order.cursor.list': {
        const begin = Number(s('beginTime'));
        const end = Number(s('endTime'));
        if (end < begin) return this.err(300003, '结束时间早于开始时间');
        if (end - begin > 7 * 86_400_000) return this.err(300004, '时间范围超过7天');
        const size = Number(s('pageSize') || 20);
        if (size > 50) return this.err(400, '参数错误: pageSize');
        const cursor = s('cursor');
        const offset = cursor === '' ? 0 : Number(cursor.slice(1));
        let all = this.ordersInWindow(begin, end);
        if (s('sort') !== '2') all = all.reverse();
        const page = all.slice(offset, offset + size);
        return this.ok({ cursor: offset + size >= all.length ? NO_MORE : `n${offset + size}`, orderList: page.map((o) => this.orderJson(o)) });
      }
      case 'open.order.detail': {
        const o = this.orders.get(s('oid'));
        return o ? this.ok(this.orderJson(o)) : this.err(40001, '订单不存在');
      }
      case 'open.seller.order.fee.detail': {
        // the shape of KS-DEMO OrderFeeInfo.java; the contract's discounts are activities (4010 限时立减)
        const o = this.orders.get(s('orderId'));
        if (!o) return this.err(40001, '订单不存在');
        return this.ok({ orderId: id(o.platformOrderId), discountFee: o.discountFen, expressFee: o.shippingFen, marketingInfoOuters: o.discountFen > 0 ? [{ subType: 4010, discountFee: o.discountFen, bearInfoList: [{ bearAmount: o.discountFen }] }] : [] });
      }
      case 'open.seller.order.goods.deliver': {
        const o = this.orders.get(s('orderId'));
        if (!o) return this.err(40001, '订单不存在');
        if (!/^\d+$/.test(s('expressCode'))) return this.err(400, '参数错误: expressCode');
        if (o.status !== 'paid') return this.err(40002, '订单状态不允许发货');
        this.ship(o, s('expressNo'), s('expressCode'));
        return this.ok({});
      }
      case 'open.item.sku.stock.update': {
        const sku = this.findSku(s('kwaiItemId'), s('skuId'));
        if (!sku) return this.err(40001, 'sku不存在');
        const n = Number(s('skuChangeStock'));
        const type = s('changeType');
        if (!Number.isInteger(n) || n <= 0 || n >= 9_999_999 || (type !== '1' && type !== '2')) return this.err(400, '参数错误: skuChangeStock/changeType');
        const next = type === '1' ? sku.stock + n : sku.stock - n;
        if (next < 0 || next > 9_999_999) return this.err(40002, '库存不足');
        sku.stock = next;
        return this.ok({});
      }
      case 'open.item.sku.list.get': {
        const product = this.products.get(s('kwaiItemId'));
        if (!product) return this.err(40001, '商品不存在');
        return this.ok({ skuList: product.skus.map((k) => ({ kwaiSkuId: id(k.skuId), relSkuId: k.skuCode, skuStock: k.stock, skuSalePrice: k.priceFen, skuMarketPrice: k.originalPriceFen })) });
      }
      case 'open.item.sku.price.update': {
        const sku = this.findSku(s('itemId'), s('skuId'));
        if (!sku) return this.err(40001, 'sku不存在');
        const price = Number(s('price'));
        if (!Number.isInteger(price) || price <= 0) return this.err(400, '参数错误: price');
        sku.priceFen = price;
        return this.ok({});
      }
      case 'open.item.new':
      case 'open.item.edit': {
        let productId = s('kwaiItemId');
        if (method === 'open.item.new') {
          if (!s('title') || !s('relItemId') || !s('categoryId')) return this.err(400, '参数错误: title/relItemId/categoryId');
          if ([...this.products.values()].some((x) => x.outerProductId === s('relItemId'))) return this.err(40002, 'relItemId已存在');
          productId = this.newId('18');
          this.products.set(productId, { productId, outerProductId: s('relItemId'), title: s('title'), skus: [] });
        }
        const product = this.products.get(productId);
        if (!product) return this.err(40001, '商品不存在');
        product.title = s('title') || product.title;
        for (const raw of (p.skuList as Record<string, unknown>[] | undefined) ?? []) {
          const code = String(raw.relSkuId ?? '');
          const price = Number(String(raw.skuSalePrice));
          if (!code || !Number.isInteger(price) || price <= 0) return this.err(400, '参数错误: skuList');
          const known = product.skus.find((k) => k.skuCode === code || (raw.kwaiSkuId !== undefined && k.skuId === String(raw.kwaiSkuId)));
          if (known) Object.assign(known, { priceFen: price, originalPriceFen: Number(String(raw.skuMarketPrice ?? price)) });
          else product.skus.push({ skuId: this.newId('19'), skuCode: code, stock: Number(String(raw.skuStock ?? 0)), priceFen: price, originalPriceFen: Number(String(raw.skuMarketPrice ?? price)) });
        }
        return this.ok({ kwaiItemId: id(productId) });
      }
      default:
        return this.err(11, `method ${method} 无效`);
    }
  }

  private orderJson(o: StoredOrder): Record<string, unknown> {
    const t = orderTotals(o);
    const items = o.items.map((i) => ({ orderItemId: id(i.lineId), skuId: id(i.skuId), itemId: id(i.productId), skuNick: i.skuCode, relSkuId: i.skuCode, itemTitle: i.title, num: i.quantity, price: i.unitPriceFen, originalPrice: i.unitPriceFen, discountFee: 0 }));
    return {
      orderBaseInfo: {
        oid: id(o.platformOrderId),
        status: STATUS[o.status],
        payTime: o.paidAt ? o.paidAt.getTime() : 0,
        createTime: o.createdAt.getTime(),
        updateTime: o.updatedAt.getTime(),
        totalFee: t.paidFen,
        discountFee: o.discountFen,
        expressFee: o.shippingFen,
      },
      orderItemInfo: items.length === 1 ? items[0] : items,
      orderAddress: { desensitiseConsignee: '张*', desensitiseMobile: '138****0000', desensitiseAddress: '浙江省杭州市****' },
      orderRefundList: o.status === 'refunded' ? [{ refundId: 1, status: 60 }] : [],
    };
  }

  private ok(data: unknown): NockReply {
    return [200, canonicalJson({ result: 1, error_msg: '', data }), { 'content-type': 'application/json' }];
  }

  private err(result: number, msg: string): NockReply {
    return [200, canonicalJson({ result, error_msg: msg }), { 'content-type': 'application/json' }];
  }

  private oauthErr(result: number, error: string, msg: string): NockReply {
    return [200, canonicalJson({ result, error, error_msg: msg }), { 'content-type': 'application/json' }];
  }
}
