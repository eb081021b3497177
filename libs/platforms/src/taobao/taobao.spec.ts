import nock from 'nock';
import { UpstreamError } from '@app/contracts';
import { BreakerRegistry, type RedisRateLimiter } from '@app/resilience';
import { FakeShopDirectory } from '@app/testing/fakes';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { TaobaoAdapter } from './taobao.adapter';
import { taobaoBanMs, taobaoError } from './taobao.errors';
import { taobaoResponseKey } from './taobao.protocol';
import { TAOBAO_ORDER_STATUS, taobaoStatus } from './taobao.status';
import { fen, isoGmt8, taobaoDiscounts, taobaoTradeToCanonical } from './taobao.mapper';
import { tmcMessageToPush } from './taobao.tmc';
import { obj, parseBody } from '../http';
import type { ProductListing, ShopContext } from '../platform-adapter.port';

describe('taobao status map', () => {
  it.each(Object.entries(TAOBAO_ORDER_STATUS))('%s -> %s', (code, status) => {
    expect(taobaoStatus(code)).toBe(status);
  });
  it('never treats a trade closed by Taobao as payable or shippable', () => {
    expect(taobaoStatus('TRADE_CLOSED_BY_TAOBAO')).toBe('cancelled');
    expect(() => taobaoStatus('ALL_WAIT_PAY')).toThrow(/unknown/);
  });
});

describe(taobaoError.name, () => {
  it.each([
    [7, 'accesscontrol.limited-by-dynamic-access-count', 'This ban will last for 3 more seconds', 'rate_limited'],
    [15, 'isp.remote-service-error', '', 'retryable'],
    [15, 'isp.top-remote-connection-timeout', '', 'retryable'],
    [15, 'isv.item-not-exist', '', 'not_found'],
    [15, 'isv.trade-not-exist', '', 'not_found'],
    [15, 'isv.oaid-field-miss', '', 'invalid_request'],
    [25, 'isv.sign-check-failure', '', 'invalid_request'],
    [27, 'invalid-sessionkey', '', 'auth_expired'],
    [27, 'session-revoked', 'The authorization has been revoked', 'auth_revoked'],
    [40, 'isv.missing-parameter', '', 'invalid_request'],
  ] as const)('%i %s -> %s', (code, sub, subMsg, kind) => {
    expect(taobaoError(code, 'm', sub, subMsg, 1000).kind).toBe(kind);
  });
  it('parses the ban length from sub_msg, else uses the default wait', () => {
    expect(taobaoError(7, 'App Call Limited', 'accesscontrol.limited-by-api-access-count', 'This ban will last for 3 more seconds', 1000).retryAfterMs).toBe(3000);
    expect(taobaoError(7, 'App Call Limited', 'accesscontrol.limited-by-app-access-count', '', 1000).retryAfterMs).toBe(1000);
    expect(taobaoBanMs('剩余 12 秒')).toBe(12_000);
  });
});

describe('taobao conversions', () => {
  it('converts yuan strings to fen exactly and GMT+8 strings to UTC', () => {
    expect(fen('200.07')).toBe(20007);
    expect(fen('0.10')).toBe(10);
    expect(fen(undefined)).toBe(0);
    expect(isoGmt8('2024-06-01 08:00:00')).toBe('2024-06-01T00:00:00.000Z');
  });
  it('names the response root after the method', () => {
    expect(taobaoResponseKey('taobao.trade.fullinfo.get')).toBe('trade_fullinfo_get_response');
    expect(taobaoResponseKey('alibaba.item.publish.submit')).toBe('alibaba_item_publish_submit_response');
  });
  it('keeps 19-digit tid / oid / num_iid exact and maps money and times', () => {
    const trade = obj(parseBody('{"tid":3900000000000000123,"status":"WAIT_SELLER_SEND_GOODS","total_fee":"39.80","post_fee":"8.00","discount_fee":"1.00","payment":"46.80","created":"2024-06-01 10:00:00","pay_time":"2024-06-01 10:01:00","modified":"2024-06-01 10:02:00","orders":{"order":[{"oid":3900000000000000124,"num_iid":6600000000000000011,"sku_id":4800000000000000021,"outer_sku_id":"ERP-1","num":2,"price":"19.90","payment":"39.80"}]}}'));
    const o = taobaoTradeToCanonical({ shopId: 's' } as ShopContext, trade);
    expect(o).toMatchObject({ platformOrderId: '3900000000000000123', status: 'paid', totalFen: 4780, paidFen: 4680, shippingFen: 800, discountFen: 100, paidAt: '2024-06-01T02:01:00.000Z' });
    expect(o.items[0]).toMatchObject({ lineId: '3900000000000000124', platformProductId: '6600000000000000011', platformSkuId: '4800000000000000021', unitPriceFen: 1990, erpSkuCode: 'ERP-1' });
  });
  it('turns a TMC message into a PushMessage with the exact tid', () => {
    const m = tmcMessageToPush(obj(parseBody('{"id":5100000000000000001,"topic":"taobao_trade_TradeBuyerPay","content":"{\\"tid\\":3900000000000000123,\\"modified\\":\\"2024-06-01 10:02:00\\"}","pub_time":"2024-06-01 10:02:01","user_id":2200000000001}')));
    expect(m).toMatchObject({ messageId: '5100000000000000001', kind: 'order', platformOrderId: '3900000000000000123', platformShopId: '2200000000001', occurredAt: '2024-06-01T02:02:00.000Z' });
  });
});

/** A TaobaoAdapter whose calls nock answers (no Redis: a limiter that never waits). */
function taobaoOverNock() {
  const HOST = 'taobao.nock.test';
  const ORIGIN = `http://${HOST}`;
  const base: ShopContext = {
    shopId: 'shop-taobao-nock',
    platform: 'taobao',
    platformShopId: '2200000000001',
    baseUrl: ORIGIN,
    credentials: { appKey: '12345678', appSecret: 'tb-secret', accessToken: 'at-1', refreshToken: 'rt-1', accessTokenExpiresAt: new Date('2100-01-01T00:00:00Z') },
  };
  /** the form parameters of every call nock answered, in order */
  const sent: Record<string, string>[] = [];
  let breakers: BreakerRegistry;
  let sut: TaobaoAdapter;
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    breakers = new BreakerRegistry({ requestTimeoutMs: 1000 });
    const limiter = { acquire: async () => undefined } as unknown as RedisRateLimiter;
    sut = new TaobaoAdapter({ directory: new FakeShopDirectory([base]), breakers, limiter, options: { timeoutMs: 1000, outbound: testOutboundPolicy(HOST) } });
    sent.length = 0;
    // every TOP call goes to /router/rest; the answer is keyed by the method sent
    nock(ORIGIN)
      .persist()
      .post('/router/rest')
      .reply(200, (_uri: string, body: string) => {
        const p = Object.fromEntries(new URLSearchParams(body));
        sent.push(p);
        // raw JSON text: 19-digit ids as numbers, as TOP sends them
        if (p.method === 'taobao.item.add') return '{"item_add_response":{"item":{"num_iid":6600000000000000011,"created":"2024-06-01 10:00:00"}}}';
        if (p.method === 'taobao.item.update') return '{"item_update_response":{"item":{"num_iid":6600000000000000011,"modified":"2024-06-01 10:00:00"}}}';
        if (p.method === 'taobao.item.seller.get') {
          return '{"item_seller_get_response":{"item":{"num_iid":6600000000000000011,"skus":{"sku":[{"sku_id":4800000000000000021,"outer_id":"C1"}]}}}}';
        }
        return { error_response: { code: 22, msg: 'Invalid method', sub_code: 'isv.invalid-method', sub_msg: p.method } };
      });
  });
  afterEach(() => {
    nock.cleanAll();
    breakers.shutdown();
  });
  return { base, sent, sut: () => sut };
}

describe('TaobaoAdapter taobao.item.add location over nock', () => {
  const t = taobaoOverNock();
  const listing: ProductListing = {
    outerProductId: 'p-loc',
    title: 'T',
    description: 'd',
    images: ['https://img.example/1.jpg'],
    categoryId: '50010850',
    attributes: {},
    skus: [{ skuCode: 'C1', specs: { '1627207': '28320' }, priceFen: 1990, originalPriceFen: 2990, stock: 3 }],
  };

  it("sends the shop's location as location.state / location.city", async () => {
    const shop: ShopContext = { ...t.base, location: { state: '广东', city: '深圳' } };
    const res = await t.sut().upsertProduct(shop, listing);
    expect(res).toEqual({ platformProductId: '6600000000000000011', skus: [{ skuCode: 'C1', platformSkuId: '4800000000000000021' }] });
    const add = t.sent.find((p) => p.method === 'taobao.item.add');
    expect(add).toMatchObject({ 'location.state': '广东', 'location.city': '深圳' });
  });

  it.each([
    ['no location', undefined],
    ['a null location', null],
  ])('refuses a shop with %s before any call: invalid_request naming the shop setting', async (_case, location) => {
    const shop: ShopContext = { ...t.base, location };
    const err = await t.sut().upsertProduct(shop, listing).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'invalid_request', retryable: false });
    expect((err as Error).message).toMatch(/shop location \(state, city\) is not set: PATCH \/shops\/:id with location/);
    expect(t.sent).toEqual([]);
  });

  it('needs no location to update an existing item (taobao.item.update)', async () => {
    await t.sut().upsertProduct(t.base, { ...listing, platformProductId: '6600000000000000011' });
    expect(t.sent.map((p) => p.method)).toEqual(['taobao.item.update', 'taobao.item.seller.get']);
    expect(Object.keys(t.sent[0]).filter((k) => k.startsWith('location'))).toEqual([]);
  });
});

describe('taobaoDiscounts (trade promotion_details, TB PromotionDetail.go)', () => {
  it('yuan discount_fee to fen, promotion_id kept with its tool prefix; empty amounts (free shipping) give no line; the TOP wrapper is read too', () => {
    const details = [
      { id: 1, promotion_id: 'mjs-123024_211143', promotion_name: '满就送', discount_fee: '5.00' },
      { id: 1, promotion_id: 'Tmall$freePostage-0_0', promotion_name: '包邮', discount_fee: '' },
    ];
    const expected = [['promotion', 'shop', 500, 'mjs-123024_211143', 'mjs']];
    const shape = (t: Record<string, unknown>) => taobaoDiscounts(t).map((l) => [l.kind, l.bearer, l.amountFen, l.platformPromotionId, l.platformType]);
    expect(shape({ promotion_details: details })).toEqual(expected);
    expect(shape({ promotion_details: { promotion_detail: details } })).toEqual(expected);
  });
});
