import type { RedisRateLimiter } from '@app/resilience';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { KuaishouAdapter } from '../../src/kuaishou/kuaishou.adapter';
import type { PlatformAdapterDeps } from '../../src/http';
import type { ContractBackend } from './contract-backend';
import { contractHarness, id19, rejectionOf, CONTRACT_TIMEOUT_MS } from './harness';
import { runSharedContract, seedOrder } from './shared.contract';

/** the contract's carrier: our code -> a Kuaishou expressCode (the operator's mapping; the number is the test's own) */
const EXPRESS_CODES = { shunfeng: 4 };
const build = (deps: PlatformAdapterDeps) => new KuaishouAdapter(deps, { expressCodes: EXPRESS_CODES });

/**
 * Kuaishou adapter contract (MARKETING-KUAISHOU-ALERTS.md section 2). Runs against any ContractBackend. Methods
 * recorded: open.order.cursor.list, open.order.detail, open.seller.order.goods.deliver, open.item.sku.stock.update,
 * open.item.sku.list.get, open.item.sku.price.update, open.item.new / open.item.edit, oauth2.refresh_token.
 */
export function runKuaishouContract(label: string, makeBackend: () => Promise<ContractBackend>): void {
  describe(`KuaishouAdapter contract (${label})`, () => {
    const harness = contractHarness(build);
    const ctx = runSharedContract(
      label,
      makeBackend,
      {
        platform: 'kuaishou',
        build,
        methods: { detail: 'open.order.detail', ship: 'open.seller.order.goods.deliver', stock: 'open.item.sku.stock.update', price: 'open.item.sku.price.update', refresh: 'oauth2.refresh_token' },
        orderId: () => id19('24'),
        productId: () => id19('18'),
        skuId: () => id19('19'),
        receivedPrice: (call) => String(call.params.price),
        expectedPrice: (fen) => String(fen),
        priceRead: true,
        newestFirst: true,
      },
      harness,
    );

    describe(`${label}: kuaishou specifics`, () => {
      it('stock is a delta: a decrease is changeType 2 with a positive skuChangeStock; an overwrite sends the difference, nothing when equal', async () => {
        const { sut, shop } = ctx.make();
        const p = id19('18');
        const s = id19('19');
        await ctx.backend().seedProduct({ productId: p, skus: [{ skuId: s, skuCode: 'K-1', stock: 10, priceFen: 100, originalPriceFen: 200 }] });
        await sut.updateStock(shop, { platformProductId: p, platformSkuId: s, quantity: -4, mode: 'delta' });
        await sut.updateStock(shop, { platformProductId: p, platformSkuId: s, quantity: 18, mode: 'full' });
        await sut.updateStock(shop, { platformProductId: p, platformSkuId: s, quantity: 18, mode: 'full' });
        const calls = await ctx.backend().received('open.item.sku.stock.update');
        expect(calls.map((c) => [Number(c.params.skuChangeStock), Number(c.params.changeType)])).toEqual([
          [4, 2],
          [12, 1],
        ]);
        expect(String(calls[0].params.skuId)).toBe(s);
        expect(await sut.getStock(shop, p, s)).toBe(18);
      });

      it('refuses an order window over 7 days before calling, and pages a 7-day window to "nomore"', async () => {
        const { sut, shop } = ctx.make();
        const to = new Date();
        expect(await rejectionOf(sut.listOrders(shop, { from: new Date(to.getTime() - 7 * 86_400_000 - 1000), to, page: null }))).toMatchObject({ kind: 'invalid_request' });
        const ids = [id19('24'), id19('24'), id19('24')];
        await ctx.backend().seedOrders(ids.map((o, i) => seedOrder(o, new Date(to.getTime() - (3 + i) * 86_400_000))));
        const seen: string[] = [];
        let page: string | null = null;
        let calls = 0;
        do {
          const res = await sut.listOrders(shop, { from: new Date(to.getTime() - 7 * 86_400_000), to, page, pageSize: 2 });
          seen.push(...res.orders.map((o) => o.platformOrderId));
          expect(res.partialIds).toEqual([]);
          // an order with a discount carries its discount lines from the fee detail (the contract's are activities)
          for (const o of res.orders) if (o.discountFen > 0) expect(o.discounts?.length).toBeGreaterThan(0);
          page = res.next;
          calls += 1;
        } while (page !== null && calls < 5);
        expect(page).toBeNull();
        expect([...seen].sort()).toEqual([...ids].sort());
      });

      it('another process refreshed first: our used refresh token is refreshToken.discarded, the stored tokens are used, no needs_reauth', async () => {
        const first = ctx.make();
        const stale = first.shop;
        await first.sut.refreshToken(stale); // "the other process": the refresh token of `stale` is now discarded
        // this process: the same directory (the stored tokens are the new ones), the old context, the token about to expire
        const shop = { ...stale, credentials: { ...stale.credentials, accessTokenExpiresAt: new Date(Date.now() + 1000) } };
        const limiter = { acquire: async () => undefined } as unknown as RedisRateLimiter;
        const other = build({ directory: first.directory, breakers: first.breakers, limiter, options: { timeoutMs: CONTRACT_TIMEOUT_MS, outbound: testOutboundPolicy(new URL(shop.baseUrl).host) } });
        const id = id19('24');
        await ctx.backend().seedOrders([seedOrder(id, new Date())]);
        expect((await other.getOrder(shop, id)).platformOrderId).toBe(id);
        expect(first.directory.reauth).toEqual([]);
        const refreshes = await ctx.backend().received('oauth2.refresh_token');
        expect(refreshes.length).toBeGreaterThanOrEqual(2);
      });

      it('a discarded refresh token nobody replaced marks the shop for re-authorisation', async () => {
        const first = ctx.make();
        const stale = first.shop;
        await first.sut.refreshToken(stale);
        const { sut, directory } = ctx.make({ ...stale, credentials: { ...stale.credentials, accessTokenExpiresAt: new Date(Date.now() + 1000) } });
        expect(await rejectionOf(sut.refreshToken(stale))).toMatchObject({ kind: 'auth_revoked' });
        expect(directory.reauth).toHaveLength(1);
        expect(directory.reauth[0].reason).toMatch(/refreshToken\.discarded/);
        first.breakers.shutdown();
      });

      it('refuses a carrier without a Kuaishou expressCode before calling', async () => {
        const { sut, shop } = ctx.make();
        const id = id19('24');
        await ctx.backend().seedOrders([seedOrder(id, new Date())]);
        expect(await rejectionOf(sut.ship(shop, { platformOrderId: id, trackingNo: 'YT1', carrierCode: 'yuantong', lineIds: [] }))).toMatchObject({ kind: 'invalid_request', details: { code: 'unknown_carrier' } });
        expect(await ctx.backend().received('open.seller.order.goods.deliver')).toEqual([]);
      });
    });
  });
}
