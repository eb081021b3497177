import { TaobaoAdapter } from '../../src/taobao/taobao.adapter';
import type { ContractBackend } from './contract-backend';
import { contractHarness, id19, rejectionOf } from './harness';
import { runSharedContract, sampleListing, seedOrder, withIds } from './shared.contract';

/**
 * Taobao adapter contract (PROTOCOLS.md section 2). Beyond shared.contract.ts, a backend must:
 * - answer the legacy coupon APIs (taobao.promotion.coupon.add / .send; buyers whose nick starts
 *   with "bad" fail in coupon.send, reported in failure_buyers.error_message[].buyer_nick);
 * - publish one TMC message per seeded order (topic taobao_trade_*, content carrying the tid) to
 *   taobao.tmc.messages.consume, removed by taobao.tmc.messages.confirm;
 * - return an expired session as code 27 and a revoked one as code 27 whose sub_code or sub_msg says
 *   "revoked" (the adapter reads any other 27 as an expired session).
 */
export function runTaobaoContract(label: string, makeBackend: () => Promise<ContractBackend>): void {
  describe(`TaobaoAdapter contract (${label})`, () => {
    const harness = contractHarness((deps) => new TaobaoAdapter(deps));
    const ctx = runSharedContract(label, makeBackend, {
      platform: 'taobao',
      build: (deps) => new TaobaoAdapter(deps),
      methods: { detail: 'taobao.trade.fullinfo.get', ship: 'taobao.logistics.offline.send', stock: 'taobao.item.quantity.update', price: 'taobao.item.sku.price.update', refresh: 'taobao.top.auth.token.refresh' },
      orderId: () => id19('39'),
      productId: () => id19('66'),
      skuId: () => id19('48'),
      receivedPrice: (call) => String(call.params.price),
      expectedPrice: (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`,
      priceRead: false,
      newestFirst: true,
      priceAddressesProduct: true,
    }, harness);
    const legacy = contractHarness((deps) => new TaobaoAdapter(deps, { serviceMarketApp: false }));

    describe(`${label}: taobao specifics`, () => {
      it('a create whose SKU read is throttled carries the new num_iid; the retry updates that item', async () => {
        const { sut, shop } = ctx.make();
        expect(sut.capabilities.productLookupByOuterId ?? false).toBe(false);
        const listing = sampleListing(`tb-${id19('1')}`);
        await ctx.backend().failNext('rate_limited', 1, { method: 'taobao.item.seller.get' });
        const err = await rejectionOf(sut.upsertProduct(shop, listing));
        expect(err).toMatchObject({ kind: 'rate_limited', retryable: true });
        expect(err.retryAfterMs).toBeGreaterThan(0);
        const partial = err.details.partialListing;
        expect(partial).toEqual({ platformProductId: expect.stringMatching(/^\d+$/), skus: [] });
        const retried = await sut.upsertProduct(shop, withIds(listing, partial));
        expect(retried.platformProductId).toBe(partial.platformProductId);
        expect(retried.skus.map((k) => k.skuCode).sort()).toEqual(['LS-BLU-M', 'LS-RED-M']);
        expect((await ctx.backend().received('taobao.item.add')).length).toBe(1);
        expect((await ctx.backend().received('taobao.item.update')).length).toBe(1);
      });

      it('consumes TMC messages with exact trade ids, and confirmed messages are not delivered again', async () => {
        const { sut } = ctx.make();
        const id = id19('39');
        await ctx.backend().seedOrders([seedOrder(id, new Date())]);
        const { appKey, appSecret } = ctx.backend().shop().credentials;
        const app = { appKey, appSecret, baseUrl: ctx.backend().shop().baseUrl };
        const first = await sut.consumeTmc(app, 'default', 100);
        const mine = first.filter((m) => m.platformOrderId === id);
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({ platform: 'taobao', kind: 'order', topic: expect.stringMatching(/^taobao_trade_/) });
        expect(mine[0].messageId).toMatch(/^\d+$/);
        await sut.confirmTmc(app, 'default', first.map((m) => m.messageId));
        const again = await sut.consumeTmc(app, 'default', 100);
        expect(again.map((m) => m.messageId)).not.toContain(mine[0].messageId);
      });

      it('has no HTTP push', async () => {
        const { sut } = ctx.make();
        expect(sut.capabilities.pushTransport).toBe('tmc');
        expect(await sut.verifyPush({ headers: {}, rawBody: Buffer.from('[]') }, async () => 'x')).toMatchObject({ ok: false });
      });
    });

    describe(`${label}: taobao app outside the service market`, () => {
      let backend: ContractBackend;
      beforeEach(async () => {
        backend = await makeBackend();
      });
      afterEach(async () => {
        await backend.close();
      });

      it('cannot refresh: an expired session marks the shop for re-authorisation', async () => {
        const { sut, shop, directory } = legacy.make(backend);
        expect(sut.capabilities.tokenRefresh).toBe(false);
        const id = id19('39');
        await backend.seedOrders([seedOrder(id, new Date())]);
        await backend.expireAccessToken();
        expect(await rejectionOf(sut.getOrder(shop, id))).toMatchObject({ kind: 'auth_revoked' });
        expect(directory.reauth).toHaveLength(1);
        expect(await backend.received('taobao.top.auth.token.refresh')).toHaveLength(0);
      });
    });
  });
}
