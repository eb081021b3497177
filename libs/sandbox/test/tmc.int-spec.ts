import { startSimulator, type TaobaoSimulator } from '@app/sandbox';
import { taobaoCall } from '../src/testing/signed-clients';
import { waitFor } from './helpers';

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
});
