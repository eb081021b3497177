import { UpstreamError, type Platform } from '@app/contracts';
import type { PlatformAdapterDeps } from '../../src/http';
import type { PlatformAdapter, ProductListing, ShopContext } from '../../src/platform-adapter.port';
import type { ContractBackend, ReceivedCall, SeedOrder } from './contract-backend';
import { contractHarness, CONTRACT_BREAKER_VOLUME, rejectionOf, type Harness } from './harness';

/**
 * What differs per platform in the shared contract. The shared part covers every operation, each
 * injected fault, token refresh (reactive, proactive, impossible), the breaker and flow control.
 *
 * Requirements on a backend (nock or simulator), beyond ContractBackend's own doc:
 * - `shop()` returns the credentials currently valid (after a refresh, the refreshed ones);
 * - a seeded order is listed by the incremental list call when its updatedAt is in the window;
 * - faults apply to business calls only, never to the token-refresh call;
 * - once `failNext` faults are used up, calls reach the backend and are recorded again.
 */
export interface ContractSpec<A extends PlatformAdapter> {
  platform: Platform;
  build(deps: PlatformAdapterDeps): A;
  methods: { detail: string; ship: string; stock: string; price: string; refresh: string };
  orderId(): string;
  productId(): string;
  skuId(): string;
  /** the price the platform received, as a string in the platform's unit ("12.34" yuan or "1234" fen) */
  receivedPrice(call: ReceivedCall): string;
  /** what receivedPrice should read for priceFen */
  expectedPrice(priceFen: number): string;
  /** true when the adapter reads a SKU's price back (capabilities.priceRead, getSkuPrice) */
  priceRead: boolean;
  /** true when the price call names the product (and the SKU by properties) rather than the sku id */
  priceAddressesProduct?: boolean;
  /** true when its order list carries full orders and can be read newest first (the order path uses it) */
  newestFirst: boolean;
}

export type HarnessFactory<A extends PlatformAdapter> = ReturnType<typeof contractHarness<A>>;

const MIN = 60_000;

export function seedOrder(id: string, updatedAt: Date, over: Partial<SeedOrder> = {}, productId = '3600000000000000011', skuId = '1760000000000000021'): SeedOrder {
  return {
    platformOrderId: id,
    status: 'paid',
    createdAt: new Date(updatedAt.getTime() - 5 * MIN),
    paidAt: new Date(updatedAt.getTime() - 4 * MIN),
    updatedAt,
    items: [{ lineId: `${id.slice(0, -1)}${id.endsWith('1') ? '2' : '1'}`, productId, skuId, skuCode: 'ERP-RED-M', title: 'Red shirt M', quantity: 2, unitPriceFen: 19_990 }],
    shippingFen: 800,
    discountFen: 1_000,
    ...over,
  };
}

/** received params as text, whatever number type the backend parsed ids into */
export function flat(params: unknown): string {
  return JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** a two-SKU listing to create (no platform ids) */
export function sampleListing(outerProductId: string, codes: string[] = ['LS-RED-M', 'LS-BLU-M']): ProductListing {
  return {
    outerProductId,
    title: 'Linen shirt',
    description: 'Light linen shirt',
    images: ['https://img.example/1.jpg'],
    categoryId: '20000',
    attributes: { material: 'linen' },
    skus: codes.map((code, i) => ({ skuCode: code, specs: { color: `c${i}`, size: 'M' }, priceFen: 9_900, originalPriceFen: 12_900, stock: 10 })),
  };
}

/** the listing updated with what a (partial) result says the platform holds */
export function withIds(listing: ProductListing, held: { platformProductId: string; skus: { skuCode: string; platformSkuId: string }[] }): ProductListing {
  const ids = new Map(held.skus.map((k) => [k.skuCode, k.platformSkuId]));
  return {
    ...listing,
    platformProductId: held.platformProductId,
    skus: listing.skus.map((s) => (ids.has(s.skuCode) ? { ...s, platformSkuId: ids.get(s.skuCode) } : s)),
  };
}

function sec(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

export function runSharedContract<A extends PlatformAdapter>(
  label: string,
  makeBackend: () => Promise<ContractBackend>,
  spec: ContractSpec<A>,
  harness: HarnessFactory<A> = contractHarness(spec.build),
): { backend(): ContractBackend; make(shop?: ShopContext): Harness<A> } {
  let backend: ContractBackend;
  beforeEach(async () => {
    backend = await makeBackend();
  });
  afterEach(async () => {
    await backend.close();
  });
  const make = (shop?: ShopContext) => harness.make(backend, shop);

  describe(`${label}: orders`, () => {
    it('lists orders changed in the window across pages, ids exact, and nothing outside it', async () => {
      const { sut, shop } = make();
      const now = new Date();
      const ids = [spec.orderId(), spec.orderId(), spec.orderId()];
      const outside = spec.orderId();
      await backend.seedOrders([
        ...ids.map((id, i) => seedOrder(id, new Date(now.getTime() - (12 - i) * MIN))),
        seedOrder(outside, new Date(now.getTime() - 50 * MIN)),
      ]);
      const found: string[] = [];
      let page: string | null = null;
      let calls = 0;
      do {
        const res = await sut.listOrders(shop, { from: new Date(now.getTime() - 20 * MIN), to: new Date(now.getTime() + MIN), page, pageSize: 2 });
        found.push(...res.orders.map((o) => o.platformOrderId), ...res.partialIds);
        expect(res.hasMore).toBe(res.next !== null);
        page = res.next;
        calls += 1;
      } while (page !== null && calls < 10);
      expect(page).toBeNull();
      expect([...found].sort()).toEqual([...ids].sort());
      expect(found).not.toContain(outside);
    });

    it('newest first: page one holds the newest orders, paging goes back to the oldest (or: the order path does not list)', async () => {
      const { sut, shop } = make();
      expect(sut.capabilities.orderListIncludesDetail).toBe(spec.newestFirst);
      if (!spec.newestFirst) return; // it fetches each order's detail instead
      const now = new Date();
      const ids = Array.from({ length: 5 }, () => spec.orderId());
      await backend.seedOrders(ids.map((id, i) => seedOrder(id, new Date(now.getTime() - (6 - i) * MIN))));
      const pages: string[][] = [];
      let page: string | null = null;
      do {
        const res = await sut.listOrders(shop, { from: new Date(now.getTime() - 10 * MIN), to: new Date(now.getTime() + MIN), page, pageSize: 2, newestFirst: true });
        pages.push([...res.orders.map((o) => o.platformOrderId), ...res.partialIds]); // a backend may list ids only
        page = res.next;
      } while (page !== null && pages.length < 10);
      expect(pages[0]).toEqual([ids[4], ids[3]]);
      expect(pages.flat()).toEqual([...ids].reverse());
    });

    it('rejects a window larger than the platform allows before calling it', async () => {
      const { sut, shop } = make();
      const to = new Date();
      const from = new Date(to.getTime() - (sut.capabilities.orderListMaxWindowSec + 60) * 1000);
      const err = await rejectionOf(sut.listOrders(shop, { from, to, page: null }));
      expect(err).toMatchObject({ kind: 'invalid_request' });
    });

    it('gets one order in canonical form (fen, ISO UTC, exact ids)', async () => {
      const { sut, shop } = make();
      const id = spec.orderId();
      const updatedAt = new Date(sec(new Date()) * 1000 - 2 * MIN);
      const seed = seedOrder(id, updatedAt, {}, spec.productId(), spec.skuId());
      await backend.seedOrders([seed]);
      const o = await sut.getOrder(shop, id);
      expect(o).toMatchObject({ platform: spec.platform, shopId: shop.shopId, platformOrderId: id, status: 'paid', shippingFen: 800 });
      expect(o.updatedAt).toBe(updatedAt.toISOString());
      expect(o.createdAt).toBe(seed.createdAt.toISOString());
      expect(o.paidAt).toBe(seed.paidAt?.toISOString());
      expect(o.items).toHaveLength(1);
      expect(o.items[0]).toMatchObject({
        platformProductId: seed.items[0].productId,
        platformSkuId: seed.items[0].skuId,
        erpSkuCode: 'ERP-RED-M',
        quantity: 2,
        unitPriceFen: 19_990,
      });
    });

    it.each([
      ['pending_payment', 'pending_payment'],
      ['shipped', 'shipped'],
      ['completed', 'completed'],
      ['cancelled', 'cancelled'],
      ['refunded', 'refunded'],
    ] as const)('maps a %s order to %s', async (seedStatus, expected) => {
      const { sut, shop } = make();
      const id = spec.orderId();
      await backend.seedOrders([seedOrder(id, new Date(), { status: seedStatus, paidAt: seedStatus === 'pending_payment' ? null : new Date() })]);
      expect((await sut.getOrder(shop, id)).status).toBe(expected);
    });

    it('reports an unknown order as not_found', async () => {
      const { sut, shop } = make();
      expect(await rejectionOf(sut.getOrder(shop, spec.orderId()))).toMatchObject({ kind: 'not_found', retryable: false });
    });

    it('ships an order; the platform records the tracking number and the order becomes shipped', async () => {
      const { sut, shop } = make();
      const id = spec.orderId();
      await backend.seedOrders([seedOrder(id, new Date(Date.now() - MIN))]);
      await sut.ship(shop, { platformOrderId: id, trackingNo: 'SF1234567890', carrierCode: 'shunfeng', lineIds: [] });
      const calls = await backend.received(spec.methods.ship);
      expect(calls).toHaveLength(1);
      expect(flat(calls[0].params)).toContain('SF1234567890');
      expect((await sut.getOrder(shop, id)).status).toBe('shipped');
    });
  });

  describe(`${label}: stock, price, products`, () => {
    const productId = () => spec.productId();
    it('overwrites stock, then adds a delta with an idempotency id', async () => {
      const { sut, shop } = make();
      const p = productId();
      const s = spec.skuId();
      await backend.seedProduct({ productId: p, skus: [{ skuId: s, skuCode: 'ERP-1', stock: 5, priceFen: 1000, originalPriceFen: 1200 }] });
      expect(await sut.getStock(shop, p, s)).toBe(5);
      await sut.updateStock(shop, { platformProductId: p, platformSkuId: s, quantity: 7, mode: 'full' });
      expect(await sut.getStock(shop, p, s)).toBe(7);
      await sut.updateStock(shop, { platformProductId: p, platformSkuId: s, quantity: 3, mode: 'delta', idempotencyId: `delta-${s}-1` });
      expect(await sut.getStock(shop, p, s)).toBe(10);
    });

    it('sends a price in the platform unit with the exact sku id', async () => {
      const { sut, shop } = make();
      const p = productId();
      const s = spec.skuId();
      await backend.seedProduct({ productId: p, skus: [{ skuId: s, skuCode: 'ERP-2', stock: 1, priceFen: 1000, originalPriceFen: 5000 }] });
      await sut.updatePrice(shop, { platformProductId: p, platformSkuId: s, priceFen: 1234 });
      const calls = await backend.received(spec.methods.price);
      expect(calls).toHaveLength(1);
      expect(spec.receivedPrice(calls[0])).toBe(spec.expectedPrice(1234));
      expect(flat(calls[0].params)).toContain(spec.priceAddressesProduct ? p : s);
    });

    if (spec.priceRead) {
      it('reads back the price the platform shows, before and after a price change', async () => {
        const { sut, shop } = make();
        expect(sut.capabilities.priceRead).toBe(true);
        const p = productId();
        const s = spec.skuId();
        await backend.seedProduct({ productId: p, skus: [{ skuId: s, skuCode: 'ERP-3', stock: 1, priceFen: 1000, originalPriceFen: 5000 }] });
        expect(await sut.getSkuPrice(shop, p, s)).toEqual({ priceFen: 1000, originalPriceFen: 5000 });
        await sut.updatePrice(shop, { platformProductId: p, platformSkuId: s, priceFen: 1234 });
        expect((await sut.getSkuPrice(shop, p, s)).priceFen).toBe(1234);
        expect(await rejectionOf(sut.getSkuPrice(shop, p, spec.skuId()))).toMatchObject({ kind: 'not_found' });
      });
    } else {
      it('says price reads are not supported and refuses them as invalid_request', async () => {
        const { sut, shop } = make();
        expect(sut.capabilities.priceRead ?? false).toBe(false);
        expect(await rejectionOf(sut.getSkuPrice(shop, productId(), spec.skuId()))).toMatchObject({ kind: 'invalid_request', details: { code: 'not_supported' } });
        expect(await backend.received()).toEqual([]);
      });
    }

    it('creates a product, then updates the same listing', async () => {
      const { sut, shop } = make();
      const listing: ProductListing = {
        outerProductId: 'prod-1',
        title: 'Linen shirt',
        description: 'Light linen shirt',
        images: ['https://img.example/1.jpg'],
        categoryId: '20000',
        attributes: { material: 'linen' },
        skus: [
          { skuCode: 'LS-RED-M', specs: { color: 'red', size: 'M' }, priceFen: 9_900, originalPriceFen: 12_900, stock: 10 },
          { skuCode: 'LS-BLU-M', specs: { color: 'blue', size: 'M' }, priceFen: 9_900, originalPriceFen: 12_900, stock: 4 },
        ],
      };
      const created = await sut.upsertProduct(shop, listing);
      expect(created.platformProductId).toMatch(/\S/);
      expect(created.skus.map((s) => s.skuCode).sort()).toEqual(['LS-BLU-M', 'LS-RED-M']);
      for (const s of created.skus) expect(s.platformSkuId).toMatch(/\S/);
      const updated = await sut.upsertProduct(shop, {
        ...listing,
        platformProductId: created.platformProductId,
        title: 'Linen shirt (new)',
        skus: listing.skus.map((s) => ({ ...s, platformSkuId: created.skus.find((c) => c.skuCode === s.skuCode)?.platformSkuId })),
      });
      expect(updated.platformProductId).toBe(created.platformProductId);
      expect([...updated.skus].sort((a, b) => a.skuCode.localeCompare(b.skuCode))).toEqual([...created.skus].sort((a, b) => a.skuCode.localeCompare(b.skuCode)));
    });
  });

  describe(`${label}: errors`, () => {
    it.each([
      ['busy', 'retryable', true],
      ['rate_limited', 'rate_limited', true],
      ['invalid_request', 'invalid_request', false],
    ] as const)('maps an injected %s fault to %s', async (fault, kind, retryable) => {
      const { sut, shop } = make();
      const id = spec.orderId();
      await backend.seedOrders([seedOrder(id, new Date())]);
      await backend.failNext(fault);
      const err = await rejectionOf(sut.getOrder(shop, id));
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ upstream: spec.platform, kind, retryable });
      if (kind === 'rate_limited') expect(err.retryAfterMs).toBeGreaterThan(0);
      // the fault is used up: the next call succeeds
      expect((await sut.getOrder(shop, id)).platformOrderId).toBe(id);
    });

    it('maps a revoked authorisation to auth_revoked and marks the shop for re-authorisation', async () => {
      const { sut, shop, directory } = make();
      const id = spec.orderId();
      await backend.seedOrders([seedOrder(id, new Date())]);
      await backend.failNext('auth_revoked');
      expect(await rejectionOf(sut.getOrder(shop, id))).toMatchObject({ kind: 'auth_revoked', retryable: false });
      expect(directory.reauth.map((r) => r.shopId)).toEqual([shop.shopId]);
    });

    it('refreshes the token once and retries once on an expired-token fault', async () => {
      const { sut, shop, directory } = make();
      const id = spec.orderId();
      await backend.seedOrders([seedOrder(id, new Date())]);
      await backend.failNext('token_expired');
      expect((await sut.getOrder(shop, id)).platformOrderId).toBe(id);
      expect(await backend.received(spec.methods.refresh)).toHaveLength(1);
      expect(directory.savedTokens).toHaveLength(1);
    });
  });

  describe(`${label}: tokens`, () => {
    it('refreshes after the access token stopped working, saves the new tokens, and the call succeeds', async () => {
      const { sut, shop, directory } = make();
      const id = spec.orderId();
      await backend.seedOrders([seedOrder(id, new Date())]);
      const before = shop.credentials.accessToken;
      await backend.expireAccessToken();
      expect((await sut.getOrder(shop, id)).platformOrderId).toBe(id);
      expect(directory.savedTokens).toHaveLength(1);
      expect(directory.savedTokens[0].shopId).toBe(shop.shopId);
      expect(directory.savedTokens[0].tokens.accessToken).not.toBe(before);
      expect(directory.savedTokens[0].tokens.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now());
      // the refreshed token is reused: no second refresh for the next call
      await sut.getOrder(shop, id);
      expect(await backend.received(spec.methods.refresh)).toHaveLength(1);
    });

    it('refreshes first when the token expires within the margin', async () => {
      const base = backend.shop();
      const shop = { ...base, credentials: { ...base.credentials, accessTokenExpiresAt: new Date(Date.now() + 60_000) } };
      const { sut, directory } = make(shop);
      const id = spec.orderId();
      await backend.seedOrders([seedOrder(id, new Date())]);
      await sut.getOrder(shop, id);
      const all = await backend.received();
      const refreshAt = all.findIndex((c) => c.method === spec.methods.refresh);
      const detailAt = all.findIndex((c) => c.method === spec.methods.detail);
      expect(refreshAt).toBeGreaterThanOrEqual(0);
      expect(refreshAt).toBeLessThan(detailAt);
      expect(directory.savedTokens).toHaveLength(1);
    });

    it('marks the shop for re-authorisation when the token cannot be refreshed', async () => {
      const base = backend.shop();
      const shop = { ...base, credentials: { ...base.credentials, refreshToken: null } };
      const { sut, directory } = make(shop);
      const id = spec.orderId();
      await backend.seedOrders([seedOrder(id, new Date())]);
      await backend.expireAccessToken();
      expect(await rejectionOf(sut.getOrder(shop, id))).toMatchObject({ kind: 'auth_revoked' });
      expect(directory.reauth).toHaveLength(1);
      expect(directory.savedTokens).toHaveLength(0);
    });

    it('refreshes explicitly through refreshToken()', async () => {
      const { sut, shop, directory } = make();
      const tokens = await sut.refreshToken(shop);
      expect(tokens.accessToken).toMatch(/\S/);
      expect(tokens.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now());
      expect(directory.savedTokens.map((s) => s.tokens.accessToken)).toEqual([tokens.accessToken]);
    });
  });

  describe(`${label}: resilience`, () => {
    it('opens the breaker after repeated busy faults; the next call is rejected fast without reaching the platform', async () => {
      const { sut, shop, breakers } = make();
      const id = spec.orderId();
      await backend.seedOrders([seedOrder(id, new Date())]);
      await backend.failNext('busy', CONTRACT_BREAKER_VOLUME);
      for (let i = 0; i < CONTRACT_BREAKER_VOLUME; i++) expect(await rejectionOf(sut.getOrder(shop, id))).toMatchObject({ kind: 'retryable' });
      expect(breakers.state(`${spec.platform}:${shop.shopId}`)).toBe('open');
      const before = (await backend.received(spec.methods.detail)).length;
      const started = Date.now();
      const err = await rejectionOf(sut.getOrder(shop, id));
      expect(Date.now() - started).toBeLessThan(500);
      expect(err).toMatchObject({ kind: 'circuit_open', retryable: true });
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(await backend.received(spec.methods.detail)).toHaveLength(before);
    });

    it('reports platform flow control as rate_limited with a retryAfterMs, never as success', async () => {
      const { sut, shop } = make();
      const p = spec.productId();
      const s = spec.skuId();
      await backend.seedProduct({ productId: p, skus: [{ skuId: s, skuCode: 'ERP-3', stock: 2, priceFen: 100, originalPriceFen: 200 }] });
      await backend.failNext('rate_limited');
      const err = await rejectionOf(sut.updateStock(shop, { platformProductId: p, platformSkuId: s, quantity: 9, mode: 'full' }));
      expect(err).toMatchObject({ kind: 'rate_limited', retryable: true });
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(await sut.getStock(shop, p, s)).toBe(2);
    });
  });

  return { backend: () => backend, make };
}
