import { DouyinAdapter } from '../../src/douyin/douyin.adapter';
import { douyinPushSign } from '../../src/signing';
import type { ContractBackend } from './contract-backend';
import { contractHarness, id19, rejectionOf } from './harness';
import { flat, runSharedContract, sampleListing, withIds } from './shared.contract';

/**
 * Douyin adapter contract (PROTOCOLS.md section 1). Runs against any ContractBackend; see
 * shared.contract.ts for what a backend must do. Method names recorded: order.orderDetail,
 * order.logisticsAdd, sku.syncStock, sku.detail, sku.editPrice, product.addV2 / product.editV2, token.refresh.
 */
export function runDouyinContract(label: string, makeBackend: () => Promise<ContractBackend>): void {
  describe(`DouyinAdapter contract (${label})`, () => {
    const harness = contractHarness((deps) => new DouyinAdapter(deps));
    const ctx = runSharedContract(label, makeBackend, {
      platform: 'douyin',
      build: (deps) => new DouyinAdapter(deps),
      methods: { detail: 'order.orderDetail', ship: 'order.logisticsAdd', stock: 'sku.syncStock', price: 'sku.editPrice', refresh: 'token.refresh' },
      orderId: () => id19('49'),
      productId: () => id19('36'),
      skuId: () => id19('17'),
      receivedPrice: (call) => String(call.params.price),
      expectedPrice: (fen) => String(fen),
      priceRead: true,
      newestFirst: true,
    }, harness);

    describe(`${label}: douyin specifics`, () => {
      it('finds a product whose create answer was lost by our outer id; the retry updates it (one product)', async () => {
        const { sut, shop } = ctx.make();
        expect(sut.capabilities.productLookupByOuterId).toBe(true);
        const outer = `lost-${id19('1')}`;
        const listing = sampleListing(outer);
        await ctx.backend().failNext('busy', 1, { method: 'product.addV2', phase: 'after' });
        const err = await rejectionOf(sut.upsertProduct(shop, listing));
        expect(err).toMatchObject({ kind: 'retryable' });
        expect(err.details.partialListing).toBeUndefined(); // the adapter never saw the id
        const found = await sut.findProductByOuterId(shop, outer);
        expect(found?.platformProductId).toMatch(/^\d{19}$/);
        expect(found!.skus.map((k) => k.skuCode).sort()).toEqual(['LS-BLU-M', 'LS-RED-M']);
        const retried = await sut.upsertProduct(shop, withIds(listing, found!));
        expect(retried.platformProductId).toBe(found!.platformProductId);
        expect((await ctx.backend().received('product.addV2')).length).toBe(1);
        expect((await ctx.backend().received('product.editV2')).length).toBe(1);
        expect(await sut.findProductByOuterId(shop, `never-${id19('1')}`)).toBeNull();
      });

      it('reads the id of a SKU added by editV2 from product.detail; a throttled read carries the product and known SKU ids', async () => {
        const { sut, shop } = ctx.make();
        const outer = `add-sku-${id19('1')}`;
        const created = await sut.upsertProduct(shop, sampleListing(outer));
        const grown = withIds(sampleListing(outer, ['LS-RED-M', 'LS-BLU-M', 'LS-GRN-M']), created);
        await ctx.backend().failNext('rate_limited', 1, { method: 'product.detail' });
        const err = await rejectionOf(sut.upsertProduct(shop, grown));
        expect(err).toMatchObject({ kind: 'rate_limited' });
        expect(err.details.partialListing.platformProductId).toBe(created.platformProductId);
        expect([...err.details.partialListing.skus].sort((a: { skuCode: string }, b: { skuCode: string }) => a.skuCode.localeCompare(b.skuCode))).toEqual(
          [...created.skus].sort((a, b) => a.skuCode.localeCompare(b.skuCode)),
        );
        const done = await sut.upsertProduct(shop, grown);
        expect(done.platformProductId).toBe(created.platformProductId);
        expect(done.skus.find((k) => k.skuCode === 'LS-GRN-M')?.platformSkuId).toMatch(/^\d{19}$/);
        expect((await ctx.backend().received('product.addV2')).length).toBe(1);
      });

      it('sends a delta stock update with incremental=true and the idempotency id, and refuses one without it', async () => {
        const { sut, shop } = ctx.make();
        const p = id19('36');
        const s = id19('17');
        await ctx.backend().seedProduct({ productId: p, skus: [{ skuId: s, skuCode: 'D-1', stock: 1, priceFen: 100, originalPriceFen: 200 }] });
        await sut.updateStock(shop, { platformProductId: p, platformSkuId: s, quantity: 2, mode: 'delta', idempotencyId: 'idem-douyin-1' });
        const [call] = await ctx.backend().received('sku.syncStock');
        expect(call.params.incremental).toBe(true);
        expect(call.params.idempotent_id).toBe('idem-douyin-1');
        expect(flat(call.params)).toContain(s);
        const err = await rejectionOf(sut.updateStock(shop, { platformProductId: p, platformSkuId: s, quantity: 2, mode: 'delta' }));
        expect(err).toMatchObject({ kind: 'invalid_request' });
      });

      it('accepts a correctly signed push and keeps the 19-digit order id exact', async () => {
        const { sut } = ctx.make();
        const { appKey, appSecret } = ctx.backend().shop().credentials;
        const body = Buffer.from('[{"tag":"101","msg_id":"7300000000000000001","data":"{\\"p_id\\":4900000000000000123,\\"shop_id\\":77001234,\\"order_status\\":2,\\"pay_time\\":1717000000,\\"update_time\\":1717000005}"}]');
        const res = await sut.verifyPush({ headers: { 'app-id': appKey, 'event-sign': douyinPushSign(appKey, body, appSecret) }, rawBody: body }, async (k) => (k === appKey ? appSecret : null));
        expect(res).toEqual({
          ok: true,
          messages: [
            expect.objectContaining({ platform: 'douyin', messageId: '7300000000000000001', topic: '101', kind: 'order', platformOrderId: '4900000000000000123', platformShopId: '77001234', occurredAt: new Date(1717000005_000).toISOString() }),
          ],
        });
      });

      it('answers the console connectivity check (tag 0) as a check message', async () => {
        const { sut } = ctx.make();
        const { appKey, appSecret } = ctx.backend().shop().credentials;
        const body = Buffer.from('[{"tag":"0","msg_id":"","data":"{}"}]');
        const res = await sut.verifyPush({ headers: { 'app-id': appKey, 'event-sign': douyinPushSign(appKey, body, appSecret).toUpperCase() }, rawBody: body }, async () => appSecret);
        expect(res.ok && res.messages.map((m) => m.kind)).toEqual(['check']);
        expect(sut.pushReply(true)).toEqual({ status: 200, body: { code: 0, msg: 'success' } });
      });

      it('rejects a push with a wrong sign, an unknown app or a changed body', async () => {
        const { sut } = ctx.make();
        const { appKey, appSecret } = ctx.backend().shop().credentials;
        const body = Buffer.from('[{"tag":"100","msg_id":"1","data":"{\\"p_id\\":1}"}]');
        const sign = douyinPushSign(appKey, body, appSecret);
        const lookup = async (k: string) => (k === appKey ? appSecret : null);
        expect(await sut.verifyPush({ headers: { 'app-id': appKey, 'event-sign': douyinPushSign(appKey, body, 'other') }, rawBody: body }, lookup)).toMatchObject({ ok: false });
        expect(await sut.verifyPush({ headers: { 'app-id': 'unknown', 'event-sign': sign }, rawBody: body }, lookup)).toMatchObject({ ok: false });
        expect(await sut.verifyPush({ headers: { 'app-id': appKey, 'event-sign': sign }, rawBody: Buffer.from(body.toString().replace('100', '101')) }, lookup)).toMatchObject({ ok: false });
        expect(sut.pushReply(false)).toEqual({ status: 200, body: { code: 1, msg: 'fail' } });
      });
    });
  });
}
