import { SimError } from './sim-error';
import type { SimCoupon, SimOrder, SimOrderEvent, SimOrderLine, SimOrderStatus, SimProduct, SimShopConfig, SimSku } from './types';

/** How a platform spells its ids. */
export interface IdScheme {
  orderId(): string;
  lineId(): string;
  productId(): string;
  skuId(): string;
  couponId(): string;
  messageId(): string;
}

export interface TokenRecord {
  token: string;
  kind: 'access' | 'refresh';
  shopId: string;
  expiresAt: number; // ms
  revoked: boolean;
}

export interface ShopState extends SimShopConfig {
  tokenTtlSec: number;
  shopName: string;
  accessToken: string;
  refreshToken: string;
}

export type OrderListener = (order: SimOrder, event: SimOrderEvent) => void;

const TRANSITIONS: Record<SimOrderEvent, SimOrderStatus[]> = {
  created: [],
  paid: ['pending_payment'],
  shipped: ['paid'],
  completed: ['shipped'],
  cancelled: ['pending_payment', 'paid'],
  refunded: ['paid', 'shipped', 'completed'],
};
const STATUS_AFTER: Record<SimOrderEvent, SimOrderStatus> = {
  created: 'pending_payment',
  paid: 'paid',
  shipped: 'shipped',
  completed: 'completed',
  cancelled: 'cancelled',
  refunded: 'refunded',
};

export interface NewOrderLine {
  lineId?: string;
  skuId: string;
  quantity: number;
  unitPriceFen?: number;
  title?: string;
}

export interface NewOrder {
  orderId?: string;
  shopId: string;
  status?: SimOrderStatus;
  createdAt?: number;
  paidAt?: number | null;
  updatedAt?: number;
  items: (NewOrderLine | (SimOrderLine & { skuId: string }))[];
  shippingFen?: number;
  discountFen?: number;
  buyerNick?: string;
  receiver?: SimOrder['receiver'];
  generated?: boolean;
  /** a coupon of this store the order redeems (its amount must be part of discountFen) */
  coupon?: { couponId: string; amountFen: number } | null;
}

const REFRESH_TTL_MS = 14 * 24 * 3600_000;

/**
 * The state of one simulated platform: shops and tokens, catalogue, orders and coupons. Plain
 * in-memory maps — fast enough for benchmark rates. Mutations go through methods so listeners
 * (push delivery, TMC) see every order change.
 */
export class SimStore {
  readonly shops = new Map<string, ShopState>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly products = new Map<string, SimProduct>();
  readonly skus = new Map<string, SimSku>();
  readonly orders = new Map<string, SimOrder>();
  /** per shop: orders by update and by creation time, so a list call reads its window, not every order */
  private readonly timeIndexes = new Map<string, { updatedAt: OrderTimeIndex; createdAt: OrderTimeIndex }>();

  private timeIndex(shopId: string): { updatedAt: OrderTimeIndex; createdAt: OrderTimeIndex } {
    let idx = this.timeIndexes.get(shopId);
    if (!idx) {
      idx = { updatedAt: new OrderTimeIndex(), createdAt: new OrderTimeIndex() };
      this.timeIndexes.set(shopId, idx);
    }
    return idx;
  }
  readonly coupons = new Map<string, SimCoupon>();
  /** idempotency ids already applied (stock deltas), per shop */
  readonly idempotencyIds = new Set<string>();
  /** auth codes (admin API or the authorise page): code -> shop, and the app it was issued to when known */
  readonly authCodes = new Map<string, { shopId: string; appKey: string | null }>();
  private orderListeners: OrderListener[] = [];

  constructor(readonly ids: IdScheme, private readonly now: () => number = Date.now) {}

  onOrder(listener: OrderListener): void {
    this.orderListeners.push(listener);
  }

  // ---- shops and tokens ----

  addShop(cfg: SimShopConfig): ShopState {
    const shop: ShopState = {
      ...cfg,
      tokenTtlSec: cfg.tokenTtlSec ?? 7 * 24 * 3600,
      shopName: cfg.shopName ?? `sim shop ${cfg.platformShopId}`,
    };
    this.shops.set(shop.platformShopId, shop);
    const t = this.now();
    this.tokens.set(shop.accessToken, { token: shop.accessToken, kind: 'access', shopId: shop.platformShopId, expiresAt: t + shop.tokenTtlSec * 1000, revoked: false });
    this.tokens.set(shop.refreshToken, { token: shop.refreshToken, kind: 'refresh', shopId: shop.platformShopId, expiresAt: t + REFRESH_TTL_MS, revoked: false });
    return shop;
  }

  shop(platformShopId: string): ShopState {
    const shop = this.shops.get(platformShopId);
    if (!shop) throw new SimError('not_found', `unknown shop ${platformShopId}`);
    return shop;
  }

  shopsForApp(appKey: string): ShopState[] {
    return [...this.shops.values()].filter((s) => s.appKey === appKey);
  }

  appSecret(appKey: string): string | null {
    for (const s of this.shops.values()) if (s.appKey === appKey) return s.appSecret;
    return null;
  }

  /** Resolves an access token for an app; throws the matching token error. */
  authenticate(appKey: string, token: string): ShopState {
    const rec = this.tokens.get(token);
    if (!rec || rec.kind !== 'access') throw new SimError('token_invalid', 'access token does not exist');
    const shop = this.shop(rec.shopId);
    if (shop.appKey !== appKey) throw new SimError('token_invalid', 'access token does not belong to this app');
    if (rec.revoked) throw new SimError('auth_revoked', 'shop authorisation revoked');
    if (rec.expiresAt <= this.now()) throw new SimError('token_expired', 'access token expired');
    return shop;
  }

  /** Issues a fresh access/refresh pair; earlier tokens of the shop stop working. */
  issueTokens(shopId: string): ShopState {
    const shop = this.shop(shopId);
    for (const rec of this.tokens.values()) if (rec.shopId === shopId) rec.expiresAt = Math.min(rec.expiresAt, this.now() - 1);
    const suffix = `${this.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
    shop.accessToken = `at-${shopId}-${suffix}`;
    shop.refreshToken = `rt-${shopId}-${suffix}`;
    const t = this.now();
    this.tokens.set(shop.accessToken, { token: shop.accessToken, kind: 'access', shopId, expiresAt: t + shop.tokenTtlSec * 1000, revoked: false });
    this.tokens.set(shop.refreshToken, { token: shop.refreshToken, kind: 'refresh', shopId, expiresAt: t + REFRESH_TTL_MS, revoked: false });
    return shop;
  }

  /** Validates a refresh token for an app and returns its shop. */
  useRefreshToken(appKey: string, refreshToken: string): ShopState {
    const rec = this.tokens.get(refreshToken);
    if (!rec || rec.kind !== 'refresh') throw new SimError('token_invalid', 'refresh token does not exist');
    const shop = this.shop(rec.shopId);
    if (shop.appKey !== appKey) throw new SimError('token_invalid', 'refresh token does not belong to this app');
    if (rec.revoked) throw new SimError('auth_revoked', 'shop authorisation revoked');
    if (rec.expiresAt <= this.now()) throw new SimError('token_expired', 'refresh token expired');
    return shop;
  }

  tokenRecord(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }

  /** The shop's access token(s) stop working; refresh still works. */
  expireAccessTokens(shopId?: string): void {
    const t = this.now() - 1;
    for (const rec of this.tokens.values()) if (rec.kind === 'access' && (!shopId || rec.shopId === shopId)) rec.expiresAt = Math.min(rec.expiresAt, t);
  }

  /** Authorisation withdrawn: every token of the shop is refused, refresh included. */
  revokeAuthorisation(shopId?: string): void {
    for (const rec of this.tokens.values()) if (!shopId || rec.shopId === shopId) rec.revoked = true;
  }

  issueAuthCode(shopId: string, appKey: string | null = null): string {
    this.shop(shopId);
    const code = `code-${shopId}-${Math.floor(Math.random() * 1e12).toString(36)}`;
    this.authCodes.set(code, { shopId, appKey });
    return code;
  }

  /** single-use auth code; a code issued to one app is refused to another */
  useAuthCode(code: string, appKey?: string): ShopState {
    const entry = this.authCodes.get(code);
    if (!entry) throw new SimError('param_invalid', 'authorization code invalid or used');
    this.authCodes.delete(code);
    if (appKey !== undefined && entry.appKey !== null && entry.appKey !== appKey) throw new SimError('param_invalid', 'authorization code belongs to another app');
    return this.shop(entry.shopId);
  }

  // ---- catalogue ----

  upsertProduct(p: Omit<SimProduct, 'createdAt' | 'updatedAt' | 'skuIds'> & { skuIds?: string[] }): SimProduct {
    const t = this.now();
    const existing = this.products.get(p.productId);
    const product: SimProduct = { ...p, skuIds: p.skuIds ?? existing?.skuIds ?? [], createdAt: existing?.createdAt ?? t, updatedAt: t };
    this.products.set(product.productId, product);
    return product;
  }

  upsertSku(s: Omit<SimSku, 'updatedAt' | 'available' | 'barcode'> & { available?: boolean; barcode?: string | null }): SimSku {
    const product = this.products.get(s.productId);
    if (!product) throw new SimError('not_found', `product ${s.productId} does not exist`);
    const existing = this.skus.get(s.skuId);
    const sku: SimSku = { available: true, barcode: null, ...existing, ...s, updatedAt: this.now() };
    this.skus.set(sku.skuId, sku);
    if (!product.skuIds.includes(sku.skuId)) product.skuIds.push(sku.skuId);
    return sku;
  }

  product(productId: string, shopId?: string): SimProduct {
    const p = this.products.get(productId);
    if (!p || (shopId && p.shopId !== shopId)) throw new SimError('not_found', `product ${productId} does not exist`);
    return p;
  }

  productByOuterId(shopId: string, outerProductId: string): SimProduct | undefined {
    for (const p of this.products.values()) if (p.shopId === shopId && p.outerProductId === outerProductId) return p;
    return undefined;
  }

  sku(skuId: string, shopId?: string): SimSku {
    const s = this.skus.get(skuId);
    if (!s || (shopId && s.shopId !== shopId)) throw new SimError('not_found', `sku ${skuId} does not exist`);
    return s;
  }

  skuByCode(shopId: string, skuCode: string, productId?: string): SimSku {
    for (const s of this.skus.values()) {
      if (s.shopId === shopId && s.skuCode === skuCode && (!productId || s.productId === productId)) return s;
    }
    throw new SimError('not_found', `sku with code ${skuCode} does not exist`);
  }

  skusOf(productId: string): SimSku[] {
    return this.product(productId).skuIds.map((id) => this.skus.get(id)).filter((s): s is SimSku => !!s);
  }

  shopSkus(shopId: string): SimSku[] {
    return [...this.skus.values()].filter((s) => s.shopId === shopId);
  }

  setStock(sku: SimSku, mode: 'full' | 'delta', quantity: number): SimSku {
    const next = mode === 'full' ? quantity : sku.stock + quantity;
    if (!Number.isInteger(next) || next < 0) throw new SimError('param_invalid', `stock would become ${next}`);
    sku.stock = next;
    sku.updatedAt = this.now();
    const product = this.products.get(sku.productId);
    if (product) {
      product.updatedAt = sku.updatedAt;
    }
    return sku;
  }

  setPrice(sku: SimSku, priceFen: number, originalPriceFen?: number): SimSku {
    if (!Number.isInteger(priceFen) || priceFen <= 0) throw new SimError('param_invalid', `invalid price ${priceFen}`);
    sku.priceFen = priceFen;
    if (originalPriceFen !== undefined) sku.originalPriceFen = originalPriceFen;
    sku.updatedAt = this.now();
    const product = this.products.get(sku.productId);
    if (product) {
      product.updatedAt = sku.updatedAt;
    }
    return sku;
  }

  // ---- orders ----

  /** `emit`: notify listeners of the order's current status; `emitCreated`: also of its creation first. */
  createOrder(o: NewOrder, opts: { emit?: boolean; emitCreated?: boolean } = {}): SimOrder {
    this.shop(o.shopId);
    const t = o.createdAt ?? this.now();
    const lines: SimOrderLine[] = o.items.map((it) => {
      const sku = this.skus.get(it.skuId);
      const full = it as Partial<SimOrderLine>;
      if (!sku && !(full.productId && full.skuCode)) throw new SimError('not_found', `sku ${it.skuId} does not exist`);
      const product = sku ? this.products.get(sku.productId) : undefined;
      return {
        lineId: it.lineId ?? this.ids.lineId(),
        productId: full.productId ?? sku!.productId,
        skuId: it.skuId,
        skuCode: full.skuCode ?? sku!.skuCode,
        title: it.title ?? product?.title ?? `item ${it.skuId}`,
        quantity: it.quantity,
        unitPriceFen: it.unitPriceFen ?? sku!.priceFen,
        discountFen: 0,
      };
    });
    const discountFen = o.discountFen ?? 0;
    allocateDiscount(lines, discountFen);
    const status = o.status ?? 'pending_payment';
    const paidAt = o.paidAt !== undefined ? o.paidAt : status === 'pending_payment' ? null : t;
    const updatedAt = o.updatedAt ?? Math.max(t, paidAt ?? t);
    const order: SimOrder = {
      orderId: o.orderId ?? this.ids.orderId(),
      shopId: o.shopId,
      status,
      createdAt: t,
      paidAt,
      updatedAt,
      shippedAt: status === 'shipped' || status === 'completed' ? updatedAt : null,
      completedAt: status === 'completed' ? updatedAt : null,
      cancelledAt: status === 'cancelled' ? updatedAt : null,
      refundedAt: status === 'refunded' ? updatedAt : null,
      refundedFrom: status === 'refunded' ? 'paid' : null,
      items: lines,
      shippingFen: o.shippingFen ?? 0,
      discountFen,
      logistics: status === 'shipped' || status === 'completed' ? { companyCode: 'zhongtong', trackingNo: `ZT${trackingSuffix(t)}`, at: updatedAt } : null,
      buyerNick: o.buyerNick ?? `buyer${Math.floor(Math.random() * 1e6)}`,
      receiver: o.receiver ?? { name: '张*', phone: '138****0000', address: '浙江省杭州市余杭区***' },
      generated: o.generated ?? false,
      coupon: o.coupon ?? null,
    };
    if (this.orders.has(order.orderId)) throw new SimError('param_invalid', `order ${order.orderId} exists`);
    this.orders.set(order.orderId, order);
    const idx = this.timeIndex(order.shopId);
    idx.updatedAt.add(order.updatedAt, order);
    idx.createdAt.add(order.createdAt, order);
    if (opts.emitCreated && status !== 'pending_payment') this.emitOrder(order, 'created');
    if (opts.emit) this.emitOrder(order, status === 'pending_payment' ? 'created' : (status as SimOrderEvent));
    return order;
  }

  order(orderId: string, shopId?: string): SimOrder {
    const o = this.orders.get(orderId);
    if (!o || (shopId && o.shopId !== shopId)) throw new SimError('not_found', `order ${orderId} does not exist`);
    return o;
  }

  /** Moves an order along its lifecycle and notifies listeners. */
  transition(orderId: string, event: Exclude<SimOrderEvent, 'created'>, extra: { logistics?: { companyCode: string; trackingNo: string } } = {}): SimOrder {
    const o = this.order(orderId);
    if (!TRANSITIONS[event].includes(o.status)) {
      throw new SimError('business', `order ${orderId} is ${o.status}; cannot become ${STATUS_AFTER[event]}`);
    }
    const t = Math.max(this.now(), o.updatedAt + 1);
    if (event === 'refunded') o.refundedFrom = o.status;
    o.status = STATUS_AFTER[event];
    o.updatedAt = t;
    this.timeIndex(o.shopId).updatedAt.add(t, o);
    if (event === 'paid') o.paidAt = t;
    if (event === 'shipped') {
      o.shippedAt = t;
      o.logistics = { companyCode: extra.logistics?.companyCode ?? 'zhongtong', trackingNo: extra.logistics?.trackingNo ?? `ZT${trackingSuffix(t)}`, at: t };
    }
    if (event === 'completed') o.completedAt = t;
    if (event === 'cancelled') o.cancelledAt = t;
    if (event === 'refunded') o.refundedAt = t;
    this.emitOrder(o, event);
    return o;
  }

  /** Orders of a shop whose time field lies in [fromMs, toMs], newest first unless asc. */
  queryOrders(shopId: string, field: 'updatedAt' | 'createdAt', fromMs: number, toMs: number, asc = false, filter?: (o: SimOrder) => boolean): SimOrder[] {
    const out: SimOrder[] = [];
    for (const o of this.timeIndex(shopId)[field].range(field, fromMs, toMs)) {
      if (filter && !filter(o)) continue;
      out.push(o);
    }
    out.sort((a, b) => (asc ? a[field] - b[field] : b[field] - a[field]) || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
    return out;
  }

  // ---- coupons ----

  addCoupon(c: Omit<SimCoupon, 'couponId' | 'createdAt' | 'issued'>): SimCoupon {
    const coupon: SimCoupon = { ...c, couponId: this.ids.couponId(), createdAt: this.now(), issued: {} };
    this.coupons.set(coupon.couponId, coupon);
    return coupon;
  }

  // ---- snapshots for the admin API ----

  /**
   * A shop's merchant coupons a buyer could redeem now (the Kuaishou-shaped ones: with params): not stopped, inside
   * their window, not used up (used < totalStock).
   */
  redeemableCoupons(shopId: string, now = this.now()): SimCoupon[] {
    return [...this.coupons.values()].filter(
      (c) => c.shopId === shopId && c.params && (c.stoppedAt ?? null) === null && now >= c.startTime && now <= c.endTime && (c.used ?? 0) < (c.totalStock ?? 0),
    );
  }

  /** the simulator's truth of a coupon: orders that redeemed it, less those refunded or cancelled since */
  couponTruth(couponId: string): { redeemed: number; returned: number; net: number; amountFen: number } {
    let redeemed = 0;
    let returned = 0;
    let amountFen = 0;
    for (const o of this.orders.values()) {
      if (o.coupon?.couponId !== couponId) continue;
      redeemed += 1;
      if (o.status === 'refunded' || o.status === 'cancelled') returned += 1;
      else amountFen += o.coupon.amountFen;
    }
    return { redeemed, returned, net: redeemed - returned, amountFen };
  }

  snapshot(): { orders: SimOrder[]; products: (SimProduct & { skus: SimSku[] })[]; coupons: SimCoupon[] } {
    return {
      orders: [...this.orders.values()],
      products: [...this.products.values()].map((p) => ({ ...p, skus: this.skusOf(p.productId) })),
      coupons: [...this.coupons.values()],
    };
  }

  private emitOrder(o: SimOrder, e: SimOrderEvent): void {
    for (const l of this.orderListeners) l(o, e);
  }
}

function trackingSuffix(t: number): string {
  return String(t).slice(-10) + String(Math.floor(Math.random() * 1000)).padStart(3, '0');
}

/** Spreads an order discount over lines by value; the last line takes the rounding remainder. */
function allocateDiscount(lines: SimOrderLine[], discountFen: number): void {
  const total = lines.reduce((a, l) => a + l.unitPriceFen * l.quantity, 0);
  let left = discountFen;
  lines.forEach((l, i) => {
    const share = i === lines.length - 1 || total === 0 ? left : Math.floor((discountFen * l.unitPriceFen * l.quantity) / total);
    l.discountFen = share;
    left -= share;
  });
}

export function lineGoodsFen(l: SimOrderLine): number {
  return l.unitPriceFen * l.quantity;
}
export function orderGoodsFen(o: SimOrder): number {
  return o.items.reduce((a, l) => a + lineGoodsFen(l), 0);
}
export function orderPaidFen(o: SimOrder): number {
  return orderGoodsFen(o) + o.shippingFen - o.discountFen;
}

/**
 * One shop's orders by one time field: entries appended as times are set (an order updated again gets a new
 * entry; the old one no longer matches its order and is skipped), sorted lazily when an out-of-order time
 * arrives (tests create orders in the past), range reads by binary search.
 */
class OrderTimeIndex {
  private entries: { t: number; o: SimOrder }[] = [];
  private sorted = true;

  add(t: number, o: SimOrder): void {
    const last = this.entries[this.entries.length - 1];
    if (last && t < last.t) this.sorted = false;
    this.entries.push({ t, o });
  }

  range(field: 'updatedAt' | 'createdAt', fromMs: number, toMs: number): SimOrder[] {
    if (!this.sorted) {
      this.entries.sort((a, b) => a.t - b.t);
      this.sorted = true;
    }
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].t < fromMs) lo = mid + 1;
      else hi = mid;
    }
    const out: SimOrder[] = [];
    for (let i = lo; i < this.entries.length && this.entries[i].t <= toMs; i++) {
      const e = this.entries[i];
      if (e.o[field] === e.t) out.push(e.o);
    }
    return out;
  }
}
