import { startSimulator, type TaobaoSimulator } from '@app/sandbox';
import { TaobaoAdapter } from '@app/platforms/taobao/taobao.adapter';
import { contractHarness } from '../../platforms/test/contract/harness';
import { taobaoCall } from '../src/testing/signed-clients';
import { waitFor } from './helpers';
import { SimulatorBackend } from './simulator-backend';

describe('taobao TMC over HTTP', () => {
  let sim: TaobaoSimulator;
  beforeEach(async () => {
    sim = await startSimulator('taobao', { qps: null, tmcRedeliverAfterMs: 300 });
  });
  afterEach(() => sim.close());

  const consume = async () => {
    const res = await taobaoCall(sim.url, sim.shop(), 'taobao.tmc.messages.consume', { group_name: 'default', quantity: '100' }, { session: null });
    return res.body.tmc_messages_consume_response.messages.tmc_message as { id: string; topic: string; content: string; pub_time: string }[];
  };
  const confirm = (ok: string[], failed: string[] = []) =>
    taobaoCall(sim.url, sim.shop(), 'taobao.tmc.messages.confirm', { group_name: 'default', s_message_ids: ok.join(','), ...(failed.length ? { f_message_ids: failed.join(',') } : {}) }, { session: null });

  it('queues trade messages; consume returns them; confirmed ones are gone, unconfirmed ones come back after the timeout', async () => {
    const a = sim.generator.makeOne()!;
    const b = sim.generator.makeOne()!;
    const first = await consume();
    expect(first.map((m) => m.topic)).toEqual(['taobao_trade_TradeBuyerPay', 'taobao_trade_TradeBuyerPay']);
    const contents = first.map((m) => JSON.parse(m.content.replace(/"(tid|oid)":(\d+)/g, '"$1":"$2"')) as { tid: string; status: string; payment: string });
    expect(contents.map((c) => c.tid).sort()).toEqual([a.orderId, b.orderId].sort());
    expect(contents[0].status).toBe('TradeBuyerPay');
    expect(contents[0].payment).toMatch(/^\d+\.\d{2}$/);
    expect(first[0].pub_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    expect((await consume()).length).toBe(0); // in flight, not yet due
    expect((await confirm([first[0].id])).body.tmc_messages_confirm_response.is_success).toBe(true);

    const again = await waitFor(async () => {
      const m = await consume();
      return m.length > 0 ? m : undefined;
    }, 3000, 'redelivery');
    expect(again.map((m) => m.id)).toEqual([first[1].id]);
    await confirm([again[0].id]);
    expect((sim.extraStats().tmc as Record<string, { confirmed: number; redelivered: number }>)[sim.shop().appKey]).toMatchObject({ confirmed: 2, redelivered: 1 });
  });

  it('failed ids (f_message_ids) are delivered again at once', async () => {
    sim.generator.makeOne();
    const [m] = await consume();
    await confirm([], [m.id]);
    const again = await consume();
    expect(again.map((x) => x.id)).toEqual([m.id]);
  });

  it('shipping and refunds publish their topics', async () => {
    const o = sim.generator.makeOne()!;
    await consume();
    const ship = await taobaoCall(sim.url, sim.shop(), 'taobao.logistics.offline.send', { tid: o.orderId, out_sid: 'SF123', company_code: 'SF' });
    expect(ship.body.logistics_offline_send_response.shipping.is_success).toBe(true);
    sim.transitionOrder(o.orderId, 'refunded');
    const topics = (await consume()).map((m) => m.topic);
    expect(topics).toEqual(['taobao_trade_TradeSellerShip', 'taobao_refund_RefundSuccess']);
  });

  describe('groups', () => {
    const consumeAs = async (group: string | null) => {
      const res = await taobaoCall(sim.url, sim.shop(), 'taobao.tmc.messages.consume', { ...(group ? { group_name: group } : {}), quantity: '100' }, { session: null });
      return res.body.tmc_messages_consume_response.messages.tmc_message as { id: string }[];
    };
    const confirmAs = (group: string | null, ok: string[]) =>
      taobaoCall(sim.url, sim.shop(), 'taobao.tmc.messages.confirm', { ...(group ? { group_name: group } : {}), s_message_ids: ok.join(',') }, { session: null });
    const redelivered = () =>
      waitFor(async () => {
        const m = await consumeAs('omnisync');
        return m.length > 0 ? m : undefined;
      }, 3000, 'redelivery');

    it("a confirm without group_name is the 'default' group's: a message consumed through another group comes back", async () => {
      sim.generator.makeOne();
      const [m] = await consumeAs('omnisync');
      await confirmAs(null, [m.id]);
      expect((await redelivered()).map((x) => x.id)).toEqual([m.id]);
      // confirmed in its own group: gone for good
      await confirmAs('omnisync', [m.id]);
      await new Promise((r) => setTimeout(r, 400)); // past tmcRedeliverAfterMs (300)
      expect(await consumeAs('omnisync')).toEqual([]);
    });

    it('a confirm without group_name confirms what the default group consumed', async () => {
      sim.generator.makeOne();
      const [m] = await consumeAs(null);
      await confirmAs(null, [m.id]);
      await new Promise((r) => setTimeout(r, 400));
      expect(await consumeAs(null)).toEqual([]);
    });

    describe('TaobaoAdapter with a non-default TMC_GROUP_NAME', () => {
      const harness = contractHarness((deps) => new TaobaoAdapter(deps));
      it('confirms in the group it consumed from, so confirmed messages are not delivered again', async () => {
        const o = sim.generator.makeOne()!;
        const { sut, shop } = harness.make(new SimulatorBackend(sim));
        const app = { appKey: shop.credentials.appKey, appSecret: shop.credentials.appSecret, baseUrl: sim.url };
        const first = await sut.consumeTmc(app, 'omnisync', 100);
        expect(first.map((m) => m.platformOrderId)).toEqual([o.orderId]);
        await sut.confirmTmc(app, 'omnisync', first.map((m) => m.messageId));
        await new Promise((r) => setTimeout(r, 400)); // past tmcRedeliverAfterMs (300)
        expect(await sut.consumeTmc(app, 'omnisync', 100)).toEqual([]);
        expect((sim.extraStats().tmc as Record<string, { confirmed: number; redelivered: number }>)[app.appKey]).toMatchObject({ confirmed: 1, redelivered: 0 });
      });
    });
  });
});
