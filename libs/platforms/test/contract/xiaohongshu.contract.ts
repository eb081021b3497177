import { XiaohongshuAdapter } from '../../src/xiaohongshu/xiaohongshu.adapter';
import { xhsPushSign } from '../../src/xiaohongshu/xiaohongshu.push';
import type { ContractBackend } from './contract-backend';
import { contractHarness, id19, rejectionOf } from './harness';
import { runSharedContract, sampleListing, withIds } from './shared.contract';

/** Ark order ids look like "P" + 18 digits */
const xhsOrderId = () => `P${id19("7").slice(1)}`;

/**
 * Xiaohongshu adapter contract (PROTOCOLS.md section 3). Errors are classified by `error_msg` text
 * (see xiaohongshu.errors.ts XHS_ERROR_RULES): a backend's fault messages must match those rules
 * (e.g. "系统繁忙", "请求过于频繁", "accessToken已过期", "商家已取消授权", "订单不存在").
 * Push signature (community-sourced): MD5(path ? sorted app-key, query, timestamp + appSecret), body unsigned; see xiaohongshu.push.ts.
 */
export function runXiaohongshuContract(label: string, makeBackend: () => Promise<ContractBackend>): void {
  describe(`XiaohongshuAdapter contract (${label})`, () => {
    const harness = contractHarness((deps) => new XiaohongshuAdapter(deps));
    const ctx = runSharedContract(label, makeBackend, {
      platform: 'xiaohongshu',
      build: (deps) => new XiaohongshuAdapter(deps),
      methods: { detail: 'order.getOrderDetail', ship: 'order.orderDeliver', stock: 'inventory.syncSkuStock', price: 'product.updateSkuPrice', refresh: 'oauth.refreshToken' },
      orderId: xhsOrderId,
      productId: () => `64${id19('1')}`,
      skuId: () => `65${id19('2')}`,
      receivedPrice: (call) => String((call.params.price as { price: unknown }[])[0].price),
      expectedPrice: (fen) => String(fen),
      priceRead: true,
      newestFirst: false,
    }, harness);

    describe(`${label}: xiaohongshu specifics`, () => {
      it('a second createSkuV2 throttled after the item and first SKU exist: the error carries both; the retry creates only the missing SKU', async () => {
        const { sut, shop } = ctx.make();
        const listing = sampleListing(`xhs-${id19('1')}`);
        await ctx.backend().failNext('rate_limited', 1, { method: 'product.createSkuV2', skip: 1 });
        const err = await rejectionOf(sut.upsertProduct(shop, listing));
        expect(err).toMatchObject({ kind: 'rate_limited', retryable: true });
        const partial = err.details.partialListing;
        expect(partial).toEqual({ platformProductId: expect.stringMatching(/\S/), skus: [{ skuCode: 'LS-RED-M', platformSkuId: expect.stringMatching(/\S/) }] });
        const retried = await sut.upsertProduct(shop, withIds(listing, partial));
        expect(retried.platformProductId).toBe(partial.platformProductId);
        expect(retried.skus.find((k) => k.skuCode === 'LS-RED-M')?.platformSkuId).toBe(partial.skus[0].platformSkuId);
        expect((await ctx.backend().received('product.createItemV2')).length).toBe(1);
        // LS-RED-M once, LS-BLU-M once (the throttled attempt never reached the platform)
        expect((await ctx.backend().received('product.createSkuV2')).map((c) => c.params.erpCode).sort()).toEqual(['LS-BLU-M', 'LS-RED-M']);
        expect((await ctx.backend().received('product.updateItemV2')).length).toBe(1);
      });

      it('the first createSkuV2 failing for good still reports the created item (a fixed re-publish updates it)', async () => {
        const { sut, shop } = ctx.make();
        await ctx.backend().failNext('invalid_request', 1, { method: 'product.createSkuV2' });
        const err = await rejectionOf(sut.upsertProduct(shop, sampleListing(`xhs-${id19('1')}`)));
        expect(err).toMatchObject({ kind: 'invalid_request', retryable: false });
        expect(err.details.partialListing).toEqual({ platformProductId: expect.stringMatching(/\S/), skus: [] });
        expect((await ctx.backend().received('product.createItemV2')).length).toBe(1);
      });

      const body = Buffer.from(
        JSON.stringify([{ msgTag: 'msg_fulfillment_status_change', sellerId: 'seller-1', data: JSON.stringify({ orderId: 'P712345678901234567', orderStatus: 4, updateTime: 1717000000123 }) }]),
      );
      const path = '/webhooks/xiaohongshu';
      const signed = (ts: string, over: Record<string, string> = {}) => {
        const { appKey, appSecret } = ctx.backend().shop().credentials;
        return { 'app-key': appKey, timestamp: ts, sign: xhsPushSign(path, { 'app-key': appKey, timestamp: ts }, appSecret), ...over };
      };
      const lookup = async (k: string) => (k === ctx.backend().shop().credentials.appKey ? ctx.backend().shop().credentials.appSecret : null);
      const nowSec = () => String(Math.floor(Date.now() / 1000));

      it('accepts a correctly signed push; times in ms become ISO', async () => {
        const { sut } = ctx.make();
        const res = await sut.verifyPush({ headers: signed(nowSec()), rawBody: body, path }, lookup);
        expect(res).toEqual({
          ok: true,
          messages: [
            expect.objectContaining({ platform: 'xiaohongshu', topic: 'msg_fulfillment_status_change', kind: 'order', platformOrderId: 'P712345678901234567', platformShopId: 'seller-1', occurredAt: new Date(1717000000123).toISOString() }),
          ],
        });
        expect(sut.pushReply(true)).toEqual({ status: 200, body: { success: true, error_code: 0, error_msg: '' } });
      });

      it('gives a redelivered event the same message id (inbox dedupe)', async () => {
        const { sut } = ctx.make();
        const a = await sut.verifyPush({ headers: signed(nowSec()), rawBody: body, path }, lookup);
        const b = await sut.verifyPush({ headers: signed(nowSec()), rawBody: body, path }, lookup);
        expect(a.ok && b.ok && a.messages[0].messageId === b.messages[0].messageId).toBe(true);
      });

      it('rejects a wrong sign, an unknown app and a timestamp more than 300 s off', async () => {
        const { sut } = ctx.make();
        const ts = nowSec();
        expect(await sut.verifyPush({ headers: signed(ts, { sign: 'deadbeef'.repeat(4) }), rawBody: body, path }, lookup)).toMatchObject({ ok: false });
        expect(await sut.verifyPush({ headers: signed(ts, { 'app-key': 'other' }), rawBody: body, path }, lookup)).toMatchObject({ ok: false });
        const old = String(Math.floor(Date.now() / 1000) - 301);
        expect(await sut.verifyPush({ headers: signed(old), rawBody: body, path }, lookup)).toMatchObject({ ok: false, reason: expect.stringContaining('timestamp') });
        expect(sut.pushReply(false)).toEqual({ status: 200, body: { success: false, error_code: 1, error_msg: 'fail' } });
      });
    });
  });
}
