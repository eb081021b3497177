import nock from 'nock';
import { isUnknownStatus, UNKNOWN_STATUS_CODE } from '@app/contracts';
import { canonicalJson, RawNumber } from '../src/signing';
import { TaobaoAdapter } from '../src/taobao/taobao.adapter';
import { taobaoStatus } from '../src/taobao/taobao.status';
import { douyinStatus } from '../src/douyin/douyin.status';
import { ksStatus } from '../src/kuaishou/kuaishou.status';
import { xhsStatus } from '../src/xiaohongshu/xiaohongshu.status';
import type { ShopContext } from '../src/platform-adapter.port';
import type { ContractBackend } from './contract/contract-backend';
import { contractHarness, rejectionOf } from './contract/harness';

const ORIGIN = 'http://taobao-unknown-status.nock.test';
const shop: ShopContext = {
  shopId: '7a4e1f3c-0000-4000-8000-0000000000d1',
  platform: 'taobao',
  platformShopId: '2200000000001',
  baseUrl: ORIGIN,
  credentials: { appKey: '12345678', appSecret: 'secret', accessToken: 'tok', refreshToken: null, accessTokenExpiresAt: new Date(Date.now() + 86_400_000) },
};
const backend = { shop: () => shop } as unknown as ContractBackend;

/** a trade of the increment list, with its lines (the list returns full orders) */
const trade = (tid: string, status: string) => ({
  tid: new RawNumber(tid),
  status,
  type: 'fixed',
  total_fee: '19.90',
  post_fee: '0.00',
  payment: '19.90',
  created: '2024-06-01 10:00:00',
  pay_time: '2024-06-01 10:00:05',
  modified: '2024-06-01 10:01:00',
  orders: { order: [{ oid: new RawNumber(`${tid.slice(0, 18)}9`), num_iid: new RawNumber('600000000000000001'), sku_id: '5000000001', outer_sku_id: 'SKU-1', title: 't', num: 1, price: '19.90', payment: '19.90', refund_status: 'NO_REFUND' }] },
});

describe('unknown platform order statuses', () => {
  const harness = contractHarness((deps) => new TaobaoAdapter(deps));
  afterEach(() => {
    nock.cleanAll();
  });

  it.each([
    ['taobao', () => taobaoStatus('TRADE_SOMETHING_NEW', '1')],
    ['douyin', () => douyinStatus('777')],
    ['kuaishou', () => ksStatus('777')],
    ['xiaohongshu', () => xhsStatus('777', '1')],
  ])('%s: a status with no mapping raises the unknown-status error (invalid_request, code unknown_status)', (_p, map) => {
    let err: unknown;
    try {
      map();
    } catch (e) {
      err = e;
    }
    expect(isUnknownStatus(err)).toBe(true);
    expect(err).toMatchObject({ kind: 'invalid_request', retryable: false, details: { code: UNKNOWN_STATUS_CODE, platformStatus: expect.any(String) } });
  });

  it('taobao: PAID_FORBID_CONSIGN is paid (its platformStatus says it must not ship yet)', () => {
    expect(taobaoStatus('PAID_FORBID_CONSIGN')).toBe('paid');
  });

  it('taobao: an increment page with an unknown status lists the other trades and reports that one as unmapped', async () => {
    const { sut } = harness.make(backend);
    nock(ORIGIN)
      .post('/router/rest')
      .reply(200, canonicalJson({
        trades_sold_increment_get_response: {
          total_results: 3,
          trades: { trade: [trade('4900000000000000001', 'WAIT_SELLER_SEND_GOODS'), trade('4900000000000000002', 'TRADE_SOMETHING_NEW'), trade('4900000000000000003', 'PAID_FORBID_CONSIGN')] },
        },
      }), { 'content-type': 'application/json;charset=UTF-8' });
    const to = new Date();
    const page = await sut.listOrders(shop, { from: new Date(to.getTime() - 60_000), to, page: null, newestFirst: true });
    expect(page.orders.map((o) => [o.platformOrderId, o.status, o.platformStatus])).toEqual([
      ['4900000000000000001', 'paid', 'WAIT_SELLER_SEND_GOODS'],
      ['4900000000000000003', 'paid', 'PAID_FORBID_CONSIGN'],
    ]);
    expect(page.unmapped).toEqual([{ platformOrderId: '4900000000000000002', platformStatus: 'TRADE_SOMETHING_NEW', updatedAt: null }]);
  });

  it('taobao: getOrder of a trade with an unknown status fails with the unknown-status error naming the trade', async () => {
    const { sut } = harness.make(backend);
    nock(ORIGIN)
      .post('/router/rest')
      .reply(200, canonicalJson({ trade_fullinfo_get_response: { trade: trade('4900000000000000002', 'TRADE_SOMETHING_NEW') } }), { 'content-type': 'application/json;charset=UTF-8' });
    const err = await rejectionOf(sut.getOrder(shop, '4900000000000000002'));
    expect(isUnknownStatus(err)).toBe(true);
    expect(err.message).toContain('4900000000000000002');
  });
});
