import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import nock from 'nock';
import type { Platform } from '@app/contracts';
import type { ShopContext, ShopCredentials } from '../../../src/platform-adapter.port';
import { TargetedFaults } from '@app/sandbox/core/faults';
import type { ContractBackend, FailNextTarget, InjectedFault, ReceivedCall, SeedOrder, SeedProduct } from '../contract-backend';

export interface StoredOrder extends SeedOrder {
  shipped?: { trackingNo: string; carrierCode: string };
}
export interface StoredSku {
  skuId: string;
  skuCode: string;
  stock: number;
  priceFen: number;
  originalPriceFen: number;
}
export interface StoredProduct {
  productId: string;
  /** our outer product id, as the create call sent it */
  outerProductId?: string;
  title?: string;
  skus: StoredSku[];
}

export type NockReply = [number, string, Record<string, string>?];

/**
 * In-memory platform for adapter contract tests: one persistent nock interceptor on a unique fake
 * host answers every request through `handle` (implemented per platform with the real protocol).
 * Raw request bytes are captured (nock JSON.parses JSON bodies, which would corrupt 19-digit ids).
 */
export abstract class NockBackendBase implements ContractBackend {
  abstract readonly platform: Platform;
  readonly name = 'nock' as const;
  readonly origin: string;
  protected readonly orders = new Map<string, StoredOrder>();
  protected readonly products = new Map<string, StoredProduct>();
  protected readonly calls: ReceivedCall[] = [];
  protected readonly faults = new TargetedFaults<InjectedFault>();
  protected creds: ShopCredentials;
  protected tokenExpired = false;
  protected readonly oldTokens = new Set<string>();
  protected readonly shopId = randomUUID();
  protected readonly seenIdempotency = new Set<string>();
  private tokenSeq = 0;
  private idSeq = 0;
  private scope: nock.Scope | null = null;
  private readonly interceptors: nock.Interceptor[] = [];

  protected constructor(
    platformName: string,
    protected readonly platformShopId: string,
    appKey: string,
    appSecret: string,
  ) {
    this.origin = `http://${platformName}-${randomBytes(4).toString('hex')}.nock.test`;
    this.creds = {
      appKey,
      appSecret,
      accessToken: `${platformName}-at-0`,
      refreshToken: `${platformName}-rt-0`,
      accessTokenExpiresAt: new Date(Date.now() + 7 * 86_400_000),
    };
  }

  /** Installs the interceptor; call once after construction. */
  start(): this {
    const raw = new WeakMap<object, string>();
    const scope = nock(this.origin).persist();
    scope.on('request', (req: object, _interceptor: unknown, body: string) => raw.set(req, body ?? ''));
    const self = this;
    // POST and GET (Kuaishou reads orders over GET): `handle` sees the verb in headers[':method']
    for (const verb of ['POST', 'GET'] as const) {
      const icp = verb === 'POST' ? scope.post(/.*/).query(true) : scope.get(/.*/).query(true);
      this.interceptors.push(icp);
      icp.reply(function reply(uri: string) {
        const req = (this as unknown as { req: { headers: IncomingHttpHeaders } }).req;
        try {
          return self.handle(new URL(uri, self.origin), raw.get(req) ?? '', { ...req.headers, ':method': verb });
        } catch (e) {
          return [500, `backend failure: ${(e as Error).message}`];
        }
      });
    }
    this.scope = scope;
    return this;
  }

  protected abstract handle(url: URL, rawBody: string, headers: IncomingHttpHeaders): NockReply;

  shop(): ShopContext {
    return {
      shopId: this.shopId,
      platform: this.platform,
      platformShopId: this.platformShopId,
      baseUrl: this.origin,
      credentials: { ...this.creds },
      // the shop's setting Taobao's item.add sends
      location: { state: '浙江', city: '杭州' },
    };
  }

  async seedOrders(orders: SeedOrder[]): Promise<void> {
    for (const o of orders) this.orders.set(o.platformOrderId, structuredClone(o));
  }

  async seedProduct(product: SeedProduct): Promise<void> {
    this.products.set(product.productId, { productId: product.productId, skus: product.skus.map((s) => ({ ...s })) });
  }

  async failNext(fault: InjectedFault, times = 1, target: FailNextTarget = {}): Promise<void> {
    this.faults.push(fault, times, target);
  }

  async expireAccessToken(): Promise<void> {
    this.tokenExpired = true;
  }

  async received(method?: string): Promise<ReceivedCall[]> {
    return this.calls.filter((c) => method === undefined || c.method === method);
  }

  async close(): Promise<void> {
    for (const i of this.interceptors) nock.removeInterceptor(i);
    this.scope?.persist(false);
    this.scope = null;
  }

  // ---- helpers for the platform handlers -------------------------------------------------------

  /** the first queued fault that targets this call at this phase (consumed); as the simulator's FaultInjector */
  protected takeFault(method: string, phase: 'before' | 'after' = 'before'): InjectedFault | undefined {
    return this.faults.take(method, phase) ?? undefined;
  }

  protected record(method: string, params: Record<string, unknown>): void {
    this.calls.push({ method, params });
  }

  protected tokenState(token: string | null | undefined): 'ok' | 'expired' | 'invalid' {
    if (!token) return 'invalid';
    if (token === this.creds.accessToken) return this.tokenExpired ? 'expired' : 'ok';
    return this.oldTokens.has(token) ? 'expired' : 'invalid';
  }

  /** rotates both tokens; null when the refresh token is not the current one */
  protected rotateTokens(refreshToken: string): { accessToken: string; refreshToken: string; expiresInSec: number } | null {
    if (!refreshToken || refreshToken !== this.creds.refreshToken) return null;
    if (this.creds.accessToken) this.oldTokens.add(this.creds.accessToken);
    this.tokenSeq += 1;
    const name = this.origin.slice(7, this.origin.indexOf('-'));
    const expiresInSec = 7 * 86_400;
    this.creds = {
      ...this.creds,
      accessToken: `${name}-at-${this.tokenSeq}`,
      refreshToken: `${name}-rt-${this.tokenSeq}`,
      accessTokenExpiresAt: new Date(Date.now() + expiresInSec * 1000),
    };
    this.tokenExpired = false;
    return { accessToken: this.creds.accessToken as string, refreshToken: this.creds.refreshToken as string, expiresInSec };
  }

  protected ordersInWindow(fromMs: number, toMs: number): StoredOrder[] {
    return [...this.orders.values()]
      .filter((o) => o.updatedAt.getTime() >= fromMs && o.updatedAt.getTime() <= toMs)
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.platformOrderId.localeCompare(b.platformOrderId));
  }

  protected findSku(productId: string, skuId: string): StoredSku | undefined {
    return this.products.get(productId)?.skus.find((s) => s.skuId === skuId);
  }

  protected findSkuAnywhere(skuId: string): { product: StoredProduct; sku: StoredSku } | undefined {
    for (const product of this.products.values()) {
      const sku = product.skus.find((s) => s.skuId === skuId);
      if (sku) return { product, sku };
    }
    return undefined;
  }

  /** a fresh 19-digit id */
  protected newId(prefix: string): string {
    this.idSeq += 1;
    return `${prefix}${String(Date.now()).slice(-9)}${String(this.idSeq).padStart(6, '0')}`.padEnd(19, '0').slice(0, 19);
  }

  protected ship(order: StoredOrder, trackingNo: string, carrierCode: string): void {
    order.shipped = { trackingNo, carrierCode };
    order.status = 'shipped';
    order.updatedAt = new Date();
  }
}

export function orderTotals(o: SeedOrder): { goodsFen: number; totalFen: number; paidFen: number } {
  const goodsFen = o.items.reduce((s, i) => s + i.unitPriceFen * i.quantity, 0);
  const totalFen = goodsFen + o.shippingFen;
  return { goodsFen, totalFen, paidFen: totalFen - o.discountFen };
}
