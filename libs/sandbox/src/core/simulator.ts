import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { canonicalJson } from '@app/platforms/signing';
import type { Platform } from '@app/contracts';
import { handleAdmin } from './admin';
import { FaultInjector, type FailNextOptions, type FaultSettings } from './faults';
import { BodyTooLargeError, delay, readBody, sendJson } from './http-util';
import { IdFactory } from './ids';
import { plain } from './lossless';
import { OrderGenerator, type BurstOptions, type GeneratedOrderRecord, type GeneratorStats } from './order-generator';
import { PushDelivery, type PushEncoding, type PushStats } from './push-delivery';
import { QpsLimiter } from './qps-limiter';
import { Rng } from './rng';
import { SimError } from './sim-error';
import { SimStore, type IdScheme, type ShopState } from './store';
import type { FaultKind, RequestLogEntry, SimOrder, SimOrderEvent, SimOrderStatus, SimProduct, SimShopConfig, SimulatorOptions } from './types';

/** A verified call, ready to execute. */
export interface ParsedCall {
  method: string;
  appKey: string;
  /** null for app-level calls (token APIs, TMC) */
  shop: ShopState | null;
  /** business parameters as the platform parsed them */
  params: Record<string, unknown>;
  /** token APIs and other calls exempt from business faults */
  tokenCall: boolean;
}

/** Order seed accepted by the admin API and the programmatic API (ContractBackend's SeedOrder shape). */
export interface SeedOrderInput {
  platformOrderId: string;
  status: SimOrderStatus;
  createdAt: Date | string | number;
  paidAt: Date | string | number | null;
  updatedAt: Date | string | number;
  items: { lineId: string; productId: string; skuId: string; skuCode: string; title: string; quantity: number; unitPriceFen: number }[];
  shippingFen: number;
  discountFen: number;
  buyerNick?: string;
  /** the receiver as the platform shows it (default: a masked demo receiver) */
  receiver?: { name: string; phone: string; address: string };
}

export interface SeedProductInput {
  productId: string;
  outerProductId?: string;
  title?: string;
  skus: { skuId: string; skuCode: string; stock: number; priceFen: number; originalPriceFen: number; specs?: Record<string, string> }[];
}

export interface SimulatorStats {
  requests: number;
  accepted: number;
  rejected: Record<string, number>;
  /** accepted calls per API method */
  byMethod: Record<string, number>;
  generator: GeneratorStats;
  push: PushStats | null;
  orders: number;
}

export interface ResolvedOptions extends Required<Omit<SimulatorOptions, 'shops' | 'pushUrl' | 'qps' | 'qpsPerApi'>> {
  shops: SimShopConfig[];
  pushUrl: string | null;
  qps: number | null;
  qpsPerApi: number | null;
}

function toMs(v: Date | string | number): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new SimError('param_invalid', `invalid time ${v}`);
  return t;
}

/**
 * The shared engine of the three platform simulators: HTTP server, admin API, fault injection, QPS
 * limits, request log, order generator and push delivery. A platform subclass parses and verifies
 * its envelope, executes its APIs and writes its envelopes.
 */
export abstract class PlatformSimulator {
  abstract readonly platform: Platform;
  readonly store: SimStore;
  readonly faults = new FaultInjector();
  readonly limiter = new QpsLimiter();
  readonly generator: OrderGenerator;
  readonly push: PushDelivery | null;
  readonly options: ResolvedOptions;
  protected readonly rng: Rng;
  protected readonly idFactory: IdFactory;
  private readonly log: RequestLogEntry[] = [];
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  private counters = { requests: 0, accepted: 0, rejected: {} as Record<string, number>, byMethod: {} as Record<string, number> };
  port = 0;
  url = '';

  protected constructor(opts: SimulatorOptions, defaultShops: SimShopConfig[]) {
    this.options = {
      port: opts.port ?? 0,
      host: opts.host ?? '127.0.0.1',
      shops: opts.shops ?? defaultShops,
      qps: opts.qps === undefined ? 100 : opts.qps,
      qpsPerApi: opts.qpsPerApi ?? null,
      pushUrl: opts.pushUrl ?? null,
      pushBatchSize: opts.pushBatchSize ?? 20,
      pushConcurrency: opts.pushConcurrency ?? 4,
      pushRetryBaseMs: opts.pushRetryBaseMs ?? 200,
      pushRetryMaxMs: opts.pushRetryMaxMs ?? 30_000,
      pushMaxAttempts: opts.pushMaxAttempts ?? 20,
      seed: opts.seed ?? 1,
      products: opts.products ?? 5,
      maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024,
      requestLogLimit: opts.requestLogLimit ?? 20_000,
      tmcRedeliverAfterMs: opts.tmcRedeliverAfterMs ?? 60_000,
    };
    this.rng = new Rng(this.options.seed);
    this.idFactory = new IdFactory(this.rng);
    this.store = new SimStore(this.idScheme(this.idFactory));
    this.generator = new OrderGenerator(this.store, this.rng);
    const encoding = this.pushEncoding();
    this.push = encoding
      ? new PushDelivery(
          encoding,
          {
            url: this.options.pushUrl,
            batchSize: this.options.pushBatchSize,
            concurrency: this.options.pushConcurrency,
            retryBaseMs: this.options.pushRetryBaseMs,
            retryMaxMs: this.options.pushRetryMaxMs,
            maxAttempts: this.options.pushMaxAttempts,
            timeoutMs: 5000,
          },
          () => this.faults.settings.pushDropRate,
        )
      : null;
    this.store.onOrder((o, e) => this.onOrderEvent(o, e));
    for (const shop of this.options.shops) {
      this.store.addShop(shop);
      for (let i = 0; i < this.options.products; i++) this.createDemoProduct(shop.platformShopId, i);
    }
  }

  // ---- platform hooks ----

  protected abstract idScheme(ids: IdFactory): IdScheme;
  /** parse and verify the envelope (app key, signature, timestamp, body, token); throws SimError */
  protected abstract parseCall(req: IncomingMessage, url: URL, body: Buffer): ParsedCall;
  /** run the API; returns the business data for `successBody` */
  protected abstract execute(call: ParsedCall): unknown;
  protected abstract successBody(call: ParsedCall, data: unknown): unknown;
  protected abstract errorBody(err: SimError, method: string | null): { status: number; body: unknown };
  /** deliver (push / TMC) an order change */
  protected abstract onOrderEvent(order: SimOrder, event: SimOrderEvent): void;
  /** HTTP push encoding; null when the platform does not push over HTTP (Taobao) */
  protected abstract pushEncoding(): PushEncoding | null;
  /** the API method named by a request, for error envelopes of calls that fail before parsing */
  protected abstract methodHint(req: IncomingMessage, url: URL): string | null;
  /**
   * The platform's OAuth authorise page: its path and the query parameters naming the app and the redirect
   * (PROTOCOLS.md 1.6 / 2.6 / 3.6).
   */
  protected abstract authorizePage(): { path: string; appKeyParam: string; redirectParam: string };

  // ---- lifecycle ----

  async listen(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(e) });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    // WebSocket upgrades on the API's own port (Taobao's TMC socket); refused where a platform has none
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://${this.options.host}:${this.port}`;
    return this;
  }

  async close(): Promise<void> {
    this.generator.stop();
    this.push?.close();
    this.onClose();
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  protected onClose(): void {}

  /** an HTTP upgrade request (WebSocket); no platform but Taobao serves one */
  protected onUpgrade(_req: IncomingMessage, socket: Duplex, _head: Buffer): void {
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  }

  // ---- OAuth authorise page ----

  /**
   * GET <authorize page>?<app>&<redirect>&state: the seller's consent page. With `sim_approve_shop=<platform shop
   * id>` (the test harness's stand-in for a seller clicking "authorise") it issues a single-use code for that shop
   * and this app and redirects to <redirect>?code=&state=; without it, an HTML page with one approve link per shop
   * of the app. A shop of another app, or an unknown app, is a 400.
   */
  private authorize(url: URL, res: ServerResponse): void {
    const page = this.authorizePage();
    const appKey = url.searchParams.get(page.appKeyParam) ?? '';
    const redirect = url.searchParams.get(page.redirectParam) ?? '';
    const state = url.searchParams.get('state') ?? '';
    const approve = url.searchParams.get('sim_approve_shop');
    const shops = this.store.shopsForApp(appKey);
    if (shops.length === 0 || !/^https?:\/\//.test(redirect)) {
      sendJson(res, 400, { ok: false, error: `unknown app ${page.appKeyParam} or missing ${page.redirectParam}` });
      return;
    }
    if (approve === null) {
      const links = shops
        .map((s) => {
          const u = new URL(url.toString().replace('http://sim.local', this.url));
          u.searchParams.set('sim_approve_shop', s.platformShopId);
          return `<li><a href="${escapeHtml(u.toString())}">authorise ${escapeHtml(s.shopName)} (${escapeHtml(s.platformShopId)})</a></li>`;
        })
        .join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>${this.platform} authorisation (simulator)</title><ul>${links}</ul>`);
      return;
    }
    const shop = shops.find((s) => s.platformShopId === approve);
    if (!shop) {
      sendJson(res, 400, { ok: false, error: `shop ${approve} cannot authorise app ${appKey}` });
      return;
    }
    const target = new URL(redirect);
    target.searchParams.set('code', this.store.issueAuthCode(shop.platformShopId, appKey));
    target.searchParams.set('state', state);
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  // ---- request pipeline ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    if (url.pathname.startsWith('/__admin/') || url.pathname === '/__admin') {
      await handleAdmin(this, req, res, url);
      return;
    }
    if (req.method === 'GET' && url.pathname === this.authorizePage().path) {
      this.authorize(url, res);
      return;
    }
    this.counters.requests++;
    const down = this.faults.settings.down;
    if (down === 'refused') {
      req.socket.destroy();
      return;
    }
    if (down === '503') {
      this.reply(res, this.errorBody(new SimError('busy', 'service unavailable'), this.methodHint(req, url)), 503);
      return;
    }
    if (this.faults.settings.latencyMs > 0) await delay(this.faults.settings.latencyMs);
    let body: Buffer;
    try {
      body = await readBody(req, this.options.maxBodyBytes);
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        this.count('too_large');
        this.reply(res, this.errorBody(new SimError('too_large', e.message), this.methodHint(req, url)), 413, { connection: 'close' });
        return;
      }
      throw e;
    }
    let call: ParsedCall | null = null;
    try {
      call = this.parseCall(req, url, body);
      this.gate(call);
      this.record(call);
      const data = this.execute(call);
      // an 'after' fault: the call took effect, but its answer is an error (lost / failed after commit)
      const lost = call.tokenCall ? null : this.faults.nextFault(call.method, 'after');
      if (lost) throw faultError(lost);
      this.reply(res, { status: 200, body: this.successBody(call, data) });
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      this.count(e.kind);
      this.reply(res, this.errorBody(e, call?.method ?? this.methodHint(req, url)));
    }
  }

  /** QPS limits and injected faults, applied to verified calls. */
  private gate(call: ParsedCall): void {
    if (call.tokenCall) return;
    const shopKey = call.shop?.platformShopId ?? `app:${call.appKey}`;
    const perShop = this.limiter.take(shopKey, this.options.qps);
    if (perShop > 0) throw new SimError('rate_limited', 'shop call limit exceeded', { retryAfterSec: perShop });
    const perApi = this.limiter.take(`${shopKey}|${call.method}`, this.options.qpsPerApi);
    if (perApi > 0) throw new SimError('rate_limited', `call limit of ${call.method} exceeded`, { retryAfterSec: perApi });
    const fault = this.faults.nextFault(call.method, 'before');
    if (fault) throw faultError(fault);
  }

  private record(call: ParsedCall): void {
    this.counters.accepted++;
    this.counters.byMethod[call.method] = (this.counters.byMethod[call.method] ?? 0) + 1;
    this.log.push({ at: Date.now(), method: call.method, platformShopId: call.shop?.platformShopId ?? null, params: plain(call.params) as Record<string, unknown> });
    // trimmed in steps of a quarter of the limit: one splice per call would move the whole log every time
    if (this.log.length > this.options.requestLogLimit * 1.25) this.log.splice(0, this.log.length - this.options.requestLogLimit);
  }

  private count(kind: string): void {
    this.counters.rejected[kind] = (this.counters.rejected[kind] ?? 0) + 1;
  }

  private reply(res: ServerResponse, r: { status: number; body: unknown }, statusOverride?: number, headers: Record<string, string> = {}): void {
    sendJson(res, statusOverride ?? r.status, canonicalJson(r.body), headers);
  }

  // ---- programmatic admin API ----

  setFaults(patch: Partial<FaultSettings>): FaultSettings {
    return this.faults.set(patch);
  }
  /** the next `times` business calls (of `opts.method` only, when given) fail with `fault` (see FailNextOptions) */
  failNext(fault: FaultKind, times = 1, opts: FailNextOptions = {}): void {
    this.faults.failNext(fault, times, opts);
  }
  resetFaults(): void {
    this.faults.reset();
    this.limiter.reset();
  }
  setQps(perShop: number | null, perApi?: number | null): void {
    this.options.qps = perShop;
    if (perApi !== undefined) this.options.qpsPerApi = perApi;
    this.limiter.reset();
  }
  expireTokens(platformShopId?: string): void {
    this.store.expireAccessTokens(platformShopId);
  }
  revokeAuthorisation(platformShopId?: string): void {
    this.store.revokeAuthorisation(platformShopId);
  }
  issueAuthCode(platformShopId: string): string {
    return this.store.issueAuthCode(platformShopId);
  }
  shop(platformShopId?: string): ShopState {
    const shop = platformShopId ? this.store.shops.get(platformShopId) : this.store.shops.values().next().value;
    if (!shop) throw new SimError('not_found', `no shop ${platformShopId ?? ''}`);
    return shop;
  }

  seedProducts(products: SeedProductInput[], platformShopId?: string): SimProduct[] {
    const shopId = this.shop(platformShopId).platformShopId;
    return products.map((p) => {
      const product = this.store.upsertProduct({
        productId: p.productId,
        shopId,
        outerProductId: p.outerProductId ?? `out-${p.productId}`,
        title: p.title ?? `product ${p.productId}`,
        description: '',
        categoryId: '1000',
        images: [],
        attributes: {},
      });
      for (const s of p.skus) {
        this.store.upsertSku({ skuId: s.skuId, productId: p.productId, shopId, skuCode: s.skuCode, specs: s.specs ?? { 规格: s.skuCode }, stock: s.stock, priceFen: s.priceFen, originalPriceFen: s.originalPriceFen });
      }
      return product;
    });
  }

  /**
   * Seeds orders; unknown SKUs are allowed (the line carries its own ids). Unless `notify` is false,
   * each order's current status is announced like a live change (HTTP push / TMC message).
   */
  seedOrders(orders: SeedOrderInput[], platformShopId?: string, opts: { notify?: boolean } = {}): SimOrder[] {
    const shopId = this.shop(platformShopId).platformShopId;
    return orders.map((o) =>
      this.store.createOrder({
        orderId: o.platformOrderId,
        shopId,
        status: o.status,
        createdAt: toMs(o.createdAt),
        paidAt: o.paidAt === null ? null : toMs(o.paidAt),
        updatedAt: toMs(o.updatedAt),
        items: o.items.map((i) => ({ ...i, discountFen: 0 })),
        shippingFen: o.shippingFen,
        discountFen: o.discountFen,
        buyerNick: o.buyerNick,
        receiver: o.receiver,
      }, { emit: opts.notify ?? true }),
    );
  }

  transitionOrder(orderId: string, event: Exclude<SimOrderEvent, 'created'>, logistics?: { companyCode: string; trackingNo: string }): SimOrder {
    return this.store.transition(orderId, event, { logistics });
  }

  requests(method?: string): RequestLogEntry[] {
    return method ? this.log.filter((e) => e.method === method) : [...this.log];
  }
  clearRequests(): void {
    this.log.length = 0;
  }

  startGenerator(ratePerSec: number, platformShopIds?: string[]): void {
    this.generator.start(ratePerSec, platformShopIds);
  }
  stopGenerator(): void {
    this.generator.stop();
  }
  burst(o: BurstOptions): Promise<number> {
    return this.generator.burst(o);
  }
  generatedOrders(): GeneratedOrderRecord[] {
    return this.generator.records;
  }

  setPush(patch: { url?: string | null; batchSize?: number }): void {
    if (!this.push) throw new SimError('param_invalid', `${this.platform} has no HTTP push (use TMC)`);
    this.push.configure({ ...(patch.url !== undefined ? { url: patch.url } : {}), ...(patch.batchSize !== undefined ? { batchSize: patch.batchSize } : {}) });
  }

  stats(): SimulatorStats {
    return {
      requests: this.counters.requests,
      accepted: this.counters.accepted,
      rejected: { ...this.counters.rejected },
      byMethod: { ...this.counters.byMethod },
      generator: this.generator.stats(),
      push: this.push?.snapshot() ?? null,
      orders: this.store.orders.size,
    };
  }

  /** Platform view of the store for the admin "read state" endpoint. */
  state(): ReturnType<SimStore['snapshot']> & { tokens: { platformShopId: string; accessToken: string; refreshToken: string }[] } {
    return {
      ...this.store.snapshot(),
      tokens: [...this.store.shops.values()].map((s) => ({ platformShopId: s.platformShopId, accessToken: s.accessToken, refreshToken: s.refreshToken })),
    };
  }

  /** Extra platform-specific stats (TMC queue depth) */
  extraStats(): Record<string, unknown> {
    return {};
  }

  private createDemoProduct(shopId: string, index: number): void {
    const ids = this.store.ids;
    const productId = ids.productId();
    const names = ['直播爆款连衣裙', '纯棉T恤', '保温杯 500ml', '蓝牙耳机', '护手霜套装', '运动袜 5双装', '手机壳', '帆布包'];
    const title = names[index % names.length];
    this.store.upsertProduct({ productId, shopId, outerProductId: `P${String(index + 1).padStart(4, '0')}`, title, description: `${title} (simulated)`, categoryId: '1000', images: ['https://img.example.com/1.jpg'], attributes: {} });
    const colours = ['红色', '黑色', '白色'];
    colours.forEach((c, i) => {
      const priceFen = this.rng.pick([1990, 2990, 4990, 9900, 12900]);
      this.store.upsertSku({
        skuId: ids.skuId(),
        productId,
        shopId,
        skuCode: `SKU-${String(index + 1).padStart(4, '0')}-${i + 1}`,
        specs: { 颜色: c },
        stock: 1000,
        priceFen,
        originalPriceFen: priceFen + 1000,
      });
    });
  }
}

export function faultError(fault: FaultKind): SimError {
  switch (fault) {
    case 'busy':
      return new SimError('busy', 'service busy, please retry');
    case 'rate_limited':
      return new SimError('rate_limited', 'call limit exceeded', { retryAfterSec: 1 });
    case 'token_expired':
      return new SimError('token_expired', 'access token expired');
    case 'auth_revoked':
      return new SimError('auth_revoked', 'shop authorisation revoked');
    case 'invalid_request':
      return new SimError('param_invalid', 'invalid parameter');
    default: {
      const never: never = fault;
      throw new Error(`unknown fault ${String(never)}`);
    }
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
