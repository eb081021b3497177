import nock from 'nock';
import { UpstreamError } from '@app/contracts';
import { BreakerRegistry, type RedisRateLimiter } from '@app/resilience';
import { FakeShopDirectory } from '@app/testing/fakes';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { DouyinAdapter } from './douyin.adapter';
import { douyinError } from './douyin.errors';
import { douyinExpiry } from './douyin.protocol';
import { DOUYIN_ORDER_STATUS, douyinStatus } from './douyin.status';
import { douyinDiscounts, douyinOrderToCanonical } from './douyin.mapper';
import { obj, parseBody } from '../http';
import { canonicalJson, canonicaliseDouyinParamJson, douyinParamJson, douyinSign, RawNumber } from '../signing';
import type { ShopContext } from '../platform-adapter.port';
import { hasCapability, type CouponDraft } from '../capabilities';

const shop = { shopId: 's1', platform: 'douyin' } as ShopContext;

describe('douyin status map', () => {
  it.each([
    ['1', 'pending_payment'],
    ['105', 'paid'],
    ['2', 'paid'],
    ['101', 'partially_shipped'],
    ['3', 'shipped'],
    ['4', 'cancelled'],
    ['5', 'completed'],
  ])('order_status %s -> %s', (code, status) => {
    expect(douyinStatus(code)).toBe(status);
  });
  it.each(['21', '22', '39'])('main_status %s (refunded) wins over order_status', (main) => {
    expect(douyinStatus('4', main)).toBe('refunded');
  });
  it('covers every documented order_status and rejects unknown ones', () => {
    expect(Object.keys(DOUYIN_ORDER_STATUS).sort()).toEqual(['1', '101', '105', '2', '3', '4', '5']);
    expect(() => douyinStatus('77')).toThrow(/unknown/);
  });
});

describe(douyinError.name, () => {
  it.each([
    [20000, 'isp.service-error:1', 'retryable'],
    [90000, 'dop.unknown-error', 'retryable'],
    [60000, 'isv.traffic-limited', 'rate_limited'],
    [40003, 'isv.access-token-expired', 'auth_expired'],
    [30001, 'dop.authorization-no-existed', 'auth_revoked'],
    [30001, 'dop.authorization-closed', 'auth_revoked'],
    [30001, 'dop.no-permissions', 'invalid_request'],
    [40001, 'isv.parameter-missing', 'invalid_request'],
    [40002, 'isv.parameter-missing:1', 'invalid_request'],
    [40003, 'isv.signature-invalid', 'invalid_request'],
    [40003, 'isv.access-token-no-existed', 'invalid_request'],
    [50001, 'dop.token-generate-failed:token-expired', 'auth_revoked'],
    [40004, 'isv.business-failed:order-not-exist', 'not_found'],
  ] as const)('%i %s -> %s', (code, sub, kind) => {
    const e = douyinError(code, sub, '', 1500);
    expect(e.kind).toBe(kind);
    expect(e.details).toMatchObject({ code: String(code), subCode: sub });
    if (kind === 'rate_limited') expect(e.retryAfterMs).toBe(1500);
  });

  it('reads 70000 isp.api-service-off ("API不存在或API已下线") as a non-retryable configuration fault, not as not_found', () => {
    const e = douyinError(70000, 'isp.api-service-off', 'API不存在或API已下线', 1500);
    expect(e).toMatchObject({ kind: 'invalid_request', retryable: false, details: { code: '70000', subCode: 'isp.api-service-off' } });
  });
});

/** A DouyinAdapter whose calls nock answers (no Redis: a limiter that never waits). */
function douyinOverNock() {
  const HOST = 'douyin.nock.test';
  const ORIGIN = `http://${HOST}`;
  const nockShop: ShopContext = {
    shopId: 'shop-douyin-nock',
    platform: 'douyin',
    platformShopId: '100001',
    baseUrl: ORIGIN,
    credentials: { appKey: '7000000000000000001', appSecret: 'a1b2c3d4-0000-4000-8000-000000000001', accessToken: 'at-1', refreshToken: 'rt-1', accessTokenExpiresAt: new Date('2100-01-01T00:00:00Z') },
  };
  const sent: { method: string; query: Record<string, string>; body: string }[] = [];
  let breakers: BreakerRegistry;
  let sut: DouyinAdapter;
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
  });
  beforeEach(() => {
    breakers = new BreakerRegistry({ requestTimeoutMs: 1000 });
    const limiter = { acquire: async () => undefined } as unknown as RedisRateLimiter;
    sut = new DouyinAdapter({ directory: new FakeShopDirectory([nockShop]), breakers, limiter, options: { timeoutMs: 1000, outbound: testOutboundPolicy(HOST) } });
    sent.length = 0;
  });
  afterEach(() => {
    expect(nock.isDone()).toBe(true);
    nock.cleanAll();
    breakers.shutdown();
  });
  /** answers `method` once with the envelope `reply` (the raw body text and query recorded in `sent`) */
  const answer = (method: string, reply: Record<string, unknown>): void => {
    // the raw body text as sent (the reply callback's body argument is nock's parse of it)
    let raw = '';
    const scope = nock(ORIGIN);
    scope.on('request', (_req: unknown, _icp: unknown, body: string) => (raw = body ?? ''));
    scope
      .post(`/${method.replace(/\./g, '/')}`)
      .query(true)
      .reply(200, (uri: string) => {
        sent.push({ method, query: Object.fromEntries(new URL(uri, ORIGIN).searchParams), body: raw });
        return { msg: '', sub_code: '', sub_msg: '', log_id: 'nock', data: {}, ...reply };
      });
  };
  return { shop: nockShop, sent, answer, sut: () => sut };
}

describe('DouyinAdapter findProductByOuterId over nock', () => {
  const t = douyinOverNock();

  it('throws (never answers null) when product.detail is offline for the app: 70000 isp.api-service-off', async () => {
    t.answer('product.detail', { code: 70000, msg: 'API不存在或API已下线', sub_code: 'isp.api-service-off', sub_msg: 'API不存在或API已下线' });
    const err = await t.sut().findProductByOuterId(t.shop, 'prod-1').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'invalid_request', retryable: false, details: { code: '70000' } });
  });

  it('answers null for a product the shop does not have', async () => {
    t.answer('product.detail', { code: 40004, msg: '处理失败', sub_code: 'isv.business-failed:product-not-exist', sub_msg: '商品不存在' });
    expect(await t.sut().findProductByOuterId(t.shop, 'prod-2')).toBeNull();
    expect(JSON.parse(t.sent[0].body)).toEqual({ out_product_id: 'prod-2' });
  });
});

describe('douyin conversions', () => {
  it('reads expires_in as a duration or, above 10^9, as an absolute time', () => {
    expect(douyinExpiry(3600, 1_000_000).getTime()).toBe(1_000_000 + 3_600_000);
    expect(douyinExpiry(1_800_000_000).getTime()).toBe(1_800_000_000_000);
  });

  it('keeps 19-digit ids exact through parse -> canonical order -> canonical JSON', () => {
    const text = '{"order_id":"4900000000000000123","order_status":2,"create_time":1717000000,"update_time":1717000060,"pay_time":1717000030,"order_amount":4080,"pay_amount":3980,"post_amount":100,"promotion_amount":100,"sku_order_list":[{"order_id":"4900000000000000124","product_id":3600000000000000011,"sku_id":1760000000000000021,"out_sku_id":"ERP-1","item_num":2,"goods_price":1990,"pay_amount":3980}]}';
    const o = douyinOrderToCanonical(shop, obj(parseBody(text)));
    expect(o.items[0].platformProductId).toBe('3600000000000000011');
    expect(o.items[0].platformSkuId).toBe('1760000000000000021');
    expect(o).toMatchObject({ platformOrderId: '4900000000000000123', status: 'paid', totalFen: 4080, paidFen: 3980, shippingFen: 100, updatedAt: new Date(1717000060_000).toISOString() });
    expect(canonicalJson({ sku_id: new RawNumber(o.items[0].platformSkuId) })).toBe('{"sku_id":1760000000000000021}');
    expect(String(Number('1760000000000000021'))).not.toBe('1760000000000000021'); // why ids never pass through a double
  });

  it("carries the order's shop_id (exact) as platformShopId, and leaves it out when the answer has none", () => {
    const base = '"order_id":"4900000000000000125","order_status":2,"create_time":1717000000,"update_time":1717000060,"sku_order_list":[]';
    expect(douyinOrderToCanonical(shop, obj(parseBody(`{${base},"shop_id":7700000000000000001}`))).platformShopId).toBe('7700000000000000001');
    expect(douyinOrderToCanonical(shop, obj(parseBody(`{${base}}`))).platformShopId).toBeUndefined();
  });
});

/**
 * A sign vector derived by hand from the Go SDK (zsmhub/doudian-sdk utils/sign_util.go, core/doudian_op_api_client.go),
 * step by step, for a string with U+2028, U+2029, `<`, `>`, `&`, `/` and a tab (order.addOrderRemark):
 *  1. utils.Marshal: json.Marshal(param) (HTML escaping on: `<` -> \u003c ...), decoded into a map[string]interface{}
 *     with UseNumber (the strings are the original characters again), encoded again by a json.Encoder with
 *     SetEscapeHTML(false) (map keys sorted; `<` `>` `&` `/` and CJK literal; tab -> \t; U+2028 / U+2029 -> \u2028 /
 *     \u2029, which encoding/json escapes even with HTML escaping off), TrimSpace drops the Encoder's newline:
 *       {"order_id":"6900000000000000001","remark":"第一行\u2028第二行\u2029<b>&amp;</b>\t/x"}
 *     (the backslash sequences are literal text: 6 ASCII characters each).
 *  2. utils.Sign: app_secret + "app_key" + app_key + "method" + method + "param_json" + param_json + "timestamp" +
 *     timestamp + "v2" + app_secret; HMAC-SHA256 keyed with app_secret, lowercase hex. Computed outside this code base:
 *       python3 -c "import hmac,hashlib;print(hmac.new(k.encode(),s.encode(),hashlib.sha256).hexdigest())"
 *       openssl dgst -sha256 -hmac "$k" sts.txt
 *     both 80f1e83bbe712757a54f483a312cca7db7b3fd23eddbff3f1000ccc7542c6e5a.
 * JSON.stringify would leave U+2028 / U+2029 raw, so the old canonical JSON signed other bytes than the SDK.
 */
const LINE_SEP_VECTOR = {
  appKey: '7000000000000000001',
  appSecret: 'a1b2c3d4-0000-4000-8000-000000000001',
  method: 'order.addOrderRemark',
  timestamp: '1717000000',
  param: { remark: '第一行\u2028第二行\u2029<b>&amp;</b>\t/x', order_id: '6900000000000000001' },
  paramJson: '{"order_id":"6900000000000000001","remark":"第一行\\u2028第二行\\u2029<b>&amp;</b>\\t/x"}',
  sign: '80f1e83bbe712757a54f483a312cca7db7b3fd23eddbff3f1000ccc7542c6e5a',
};

describe('douyin param_json (the Go SDK\'s utils.Marshal)', () => {
  it('escapes U+2028 / U+2029 as the SDK does and signs to the hand-derived vector', () => {
    const v = LINE_SEP_VECTOR;
    const paramJson = douyinParamJson(v.param);
    expect(paramJson).toBe(v.paramJson);
    expect(paramJson).not.toMatch(/[\u2028\u2029]/);
    expect(douyinSign({ appKey: v.appKey, appSecret: v.appSecret, method: v.method, paramJson, timestamp: v.timestamp })).toBe(v.sign);
    // a body that carries the characters raw (as JSON.stringify writes them) re-sorts to the same canonical text
    expect(canonicaliseDouyinParamJson(JSON.stringify(v.param))).toBe(v.paramJson);
  });

  it('writes the other characters as Go does: controls short or \\u00xx, HTML and / literal, a lone surrogate as U+FFFD', () => {
    expect(douyinParamJson({ s: '\b\f\n\r\t\u0001\u001f\u007f"\\<>&\'=/é😀' })).toBe('{"s":"\\b\\f\\n\\r\\t\\u0001\\u001f\u007f\\"\\\\<>&\'=/é😀"}');
    expect(douyinParamJson({ s: 'a\ud800b' })).toBe('{"s":"a\ufffdb"}');
    expect(douyinParamJson({ b: [rawNumberOf('6918123456789000001')], a: 'x' })).toBe('{"a":"x","b":[6918123456789000001]}');
  });
});

function rawNumberOf(digits: string): RawNumber {
  return new RawNumber(digits);
}

describe('DouyinAdapter request body over nock', () => {
  const t = douyinOverNock();

  it('sends U+2028 / U+2029 escaped as \\u2028 / \\u2029 and signs exactly the bytes it sends', async () => {
    t.answer('product.addV2', { code: 10000, msg: 'success', data: { product_id: '3600000000000000001', sku: [{ sku_id: '1700000000000000001', code: 'C1' }] } });
    await t.sut().upsertProduct(t.shop, {
      outerProductId: 'p-ls',
      title: 'T',
      description: '第一行\u2028第二行\u2029',
      images: ['https://img.example/1.jpg'],
      categoryId: '20000',
      attributes: {},
      skus: [{ skuCode: 'C1', specs: { color: 'red' }, priceFen: 100, originalPriceFen: 200, stock: 1 }],
    });
    const [call] = t.sent;
    expect(call.body).toContain('"description":"第一行\\u2028第二行\\u2029"');
    expect(call.body).not.toMatch(/[\u2028\u2029]/);
    const { appKey, appSecret } = t.shop.credentials;
    expect(call.query.sign).toBe(douyinSign({ appKey, appSecret, method: 'product.addV2', paramJson: call.body, timestamp: call.query.timestamp }));
  });
});

describe('DouyinAdapter product_format_new over nock', () => {
  const t = douyinOverNock();
  const listing = (attributes: Record<string, string>) => ({
    outerProductId: 'p-attr',
    title: 'T',
    description: 'd',
    images: ['https://img.example/1.jpg'],
    categoryId: '20000',
    attributes,
    skus: [{ skuCode: 'C1', specs: { color: 'red' }, priceFen: 100, originalPriceFen: 200, stock: 1 }],
  });
  const created = { code: 10000, msg: 'success', data: { product_id: '3600000000000000001', sku: [{ sku_id: '1700000000000000001', code: 'C1' }] } };

  it('sends the SDK shape {"<property_id>":[{"value","name","diy_type"}]} from the attributes keyed by Douyin property id', async () => {
    t.answer('product.addV2', created);
    await t.sut().upsertProduct(t.shop, listing({ 材质: '棉', '1687': '596120136:无品牌', '785': '棉75%' }));
    const format = JSON.parse(t.sent[0].body).product_format_new as string;
    expect(format).toBe('{"1687":[{"diy_type":0,"name":"无品牌","value":596120136}],"785":[{"diy_type":0,"name":"棉75%","value":0}]}');
  });

  it('leaves product_format_new out when no attribute is keyed by a property id (never {"材质":"棉"})', async () => {
    t.answer('product.addV2', created);
    await t.sut().upsertProduct(t.shop, listing({ 材质: '棉' }));
    expect(JSON.parse(t.sent[0].body)).not.toHaveProperty('product_format_new');
  });

  it('refuses a property id without a value before calling Douyin', async () => {
    const err = await t.sut().upsertProduct(t.shop, listing({ '785': ' ' })).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'invalid_request' });
    expect(t.sent).toEqual([]);
  });
});

describe('douyinDiscounts (order.orderDetail promotion_detail, DD-ZSM order_orderDetail_response.go)', () => {
  it('coupons by payer with their batch id (coupon_meta_id), 满减 campaigns as promotions; nothing for zero amounts', () => {
    const lines = douyinDiscounts({
      shop_discount_detail: {
        total_amount: 1500,
        coupon_amount: 1000,
        coupon_info: [{ coupon_id: 7100000000000000001, coupon_type: 23, coupon_meta_id: '7200000000000000042', coupon_amount: 1000, coupon_name: '店铺满减券' }],
        full_discount_info: [{ campaign_id: 3300000000001, campaign_type: 100, campaign_name: '满299减50', campaign_amount: 500, campaign_sub_type: 0 }],
      },
      platform_discount_detail: { coupon_info: [{ coupon_meta_id: '7200000000000000099', coupon_type: 3, coupon_amount: 300, coupon_name: '平台券' }] },
      kol_discount_detail: { coupon_info: [{ coupon_meta_id: 'kol-1', coupon_amount: 0 }] },
    });
    expect(lines.map((l) => [l.kind, l.bearer, l.amountFen, l.platformCouponId, l.platformPromotionId, l.platformType])).toEqual([
      ['coupon', 'shop', 1000, '7200000000000000042', null, '23'],
      ['promotion', 'shop', 500, null, '3300000000001', '100'],
      ['coupon', 'platform', 300, '7200000000000000099', null, '3'],
    ]);
  });
});

describe('DouyinAdapter coupons (marketing.*) over nock', () => {
  const t = douyinOverNock();
  const threshold: CouponDraft = {
    idempotencyKey: 'cpn-7f3a',
    name: '满100减10',
    kind: 'threshold',
    thresholdFen: 10_000,
    amountFen: 1000,
    ratePermille: null,
    maxDiscountFen: null,
    totalQuantity: 500,
    perUserLimit: 2,
    claimStartsAt: '2027-01-10T09:30:00+08:00',
    claimEndsAt: '2027-01-12T18:00:00+08:00',
    validity: { kind: 'fixed', from: '2027-01-10T00:00:00+08:00', until: '2027-01-20T23:59:59+08:00', days: null },
    audience: 'everyone',
    platformProductIds: [],
  };
  const item = (over: Record<string, unknown> = {}) => ({
    coupon_meta_id: 7200000000000000042,
    coupon_name: '满100减10',
    type: 23,
    status: 3,
    credit: 1000,
    threshold: 10_000,
    discount: 0,
    total_amount: 500,
    left_amount: 500,
    used_amount: 0,
    type_detail: '100001',
    start_apply_time: '2027-01-10 09:30:00',
    end_apply_time: '2027-01-12 18:00:00',
    ...over,
  });
  const ok = (data: unknown) => ({ code: 10000, msg: 'success', data });

  it('offers the coupons capability (and not stock / usage)', () => {
    expect(hasCapability(t.sut(), 'coupons')).toBe(true);
    expect(hasCapability(t.sut(), 'couponStock')).toBe(false);
    expect(hasCapability(t.sut(), 'couponUsage')).toBe(false);
  });

  it('create of a shop 满减 draft: the exact param_json (fen, type 23, Beijing times, type_detail = shop id) and the coupon_meta_id, exact', async () => {
    // a JSON number of 19 digits: read exactly, never through a double
    t.answer('marketing.createCoupon', { code: 10000, msg: 'success', data: { coupon_meta_id: new RawNumber('7200000000000000043') } });
    expect(await t.sut().createCoupon(t.shop, threshold)).toEqual({ platformCouponId: '7200000000000000043', status: 'not_started', totalQuantity: 500 });
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0].query.method).toBe('marketing.createCoupon');
    expect(t.sent[0].body).toBe(
      '{"coupon_name":"满100减10","credit":1000,"end_apply_time":"2027-01-12 18:00:00","expire_time":"2027-01-20 23:59:59","is_show":0,"max_apply_times":2,"pay_type":2,"period_type":1,"start_apply_time":"2027-01-10 09:30:00","start_time":"2027-01-10 00:00:00","threshold":10000,"total_amount":500,"type":23,"type_detail":"100001"}',
    );
  });

  it('create of a products 折扣 draft, 7 days after claim: type 41, discount 85 (8.5折), max_discount_limit, item ids joined by ","', async () => {
    t.answer('marketing.createCoupon', ok({ coupon_meta_id: '7200000000000000044' }));
    const discount: CouponDraft = { ...threshold, kind: 'discount', amountFen: null, thresholdFen: null, ratePermille: 850, maxDiscountFen: 2000, validity: { kind: 'after_claim', from: null, until: null, days: 7 }, platformProductIds: ['3600000000000000011', '3600000000000000012'] };
    await t.sut().createCoupon(t.shop, discount);
    expect(JSON.parse(t.sent[0].body)).toEqual({
      coupon_name: '满100减10',
      type: 41,
      discount: 85,
      max_discount_limit: 2000,
      start_apply_time: '2027-01-10 09:30:00',
      end_apply_time: '2027-01-12 18:00:00',
      period_type: 2,
      valid_period: 7,
      total_amount: 500,
      max_apply_times: 2,
      type_detail: '3600000000000000011,3600000000000000012',
      pay_type: 2,
      is_show: 0,
    });
  });

  it('a direct draft is type 22 with credit only; a UTC instant is written in Beijing time', async () => {
    t.answer('marketing.createCoupon', ok({ coupon_meta_id: '7200000000000000045' }));
    await t.sut().createCoupon(t.shop, { ...threshold, kind: 'direct', thresholdFen: null, claimStartsAt: '2027-01-09T17:00:00.500Z' });
    expect(JSON.parse(t.sent[0].body)).toMatchObject({ type: 22, credit: 1000, start_apply_time: '2027-01-10 01:00:00' });
    expect(JSON.parse(t.sent[0].body)).not.toHaveProperty('threshold');
  });

  it('refuses what it cannot express before calling (invalid_request naming the field)', async () => {
    const bad: Array<[Partial<CouponDraft>, RegExp]> = [
      [{ kind: 'discount', ratePermille: 855, amountFen: null, thresholdFen: null }, /ratePermille 855/],
      [{ audience: 'new_customers' }, /audience new_customers/],
      [{ thresholdFen: 1000 }, /thresholdFen/],
      [{ claimEndsAt: threshold.claimStartsAt }, /claimEndsAt must be after/],
      [{ totalQuantity: 0 }, /totalQuantity/],
    ];
    for (const [over, message] of bad) {
      await expect(t.sut().createCoupon(t.shop, { ...threshold, ...over })).rejects.toMatchObject({ kind: 'invalid_request', details: { code: 'coupon_not_expressible' }, message: expect.stringMatching(message) });
    }
    expect(t.sent).toEqual([]);
  });

  it('maps a business error of create to invalid_request and a missing coupon_meta_id to retryable', async () => {
    t.answer('marketing.createCoupon', { code: 40004, msg: '处理失败', sub_code: 'isv.business-failed:coupon-threshold-invalid', sub_msg: '门槛金额不合法' });
    await expect(t.sut().createCoupon(t.shop, threshold)).rejects.toMatchObject({ kind: 'invalid_request', message: expect.stringContaining('门槛金额不合法') });
    t.answer('marketing.createCoupon', ok({}));
    await expect(t.sut().createCoupon(t.shop, threshold)).rejects.toMatchObject({ kind: 'retryable', message: expect.stringContaining('no coupon_meta_id') });
  });

  it('findCoupon after a lost answer: lists by name and type (all scopes), matches name + window + amounts + type_detail on page 2', async () => {
    const page1 = Array.from({ length: 50 }, (_, i) => item({ coupon_meta_id: 7200000000000001000 + i, end_apply_time: '2027-01-13 18:00:00' }));
    t.answer('marketing.GetShopCouponMetaList', ok({ count: 53, shop_coupon_meta_list: page1 }));
    t.answer('marketing.GetShopCouponMetaList', ok({ count: 53, shop_coupon_meta_list: [item({ coupon_meta_id: new RawNumber('7200000000000000099'), credit: 900 }), item({ coupon_meta_id: new RawNumber('7200000000000000042') }), item({ coupon_meta_id: 1, type_detail: '100002' })] }));
    expect(await t.sut().findCoupon(t.shop, threshold)).toEqual({ platformCouponId: '7200000000000000042', status: 'not_started', totalQuantity: 500 }); // enabled, its window not open yet
    expect(t.sent.map((s) => JSON.parse(s.body))).toEqual([
      { coupon_name: '满100减10', type: 23, is_show: -1, offset: 0, limit: 50 },
      { coupon_name: '满100减10', type: 23, is_show: -1, offset: 50, limit: 50 },
    ]);
  });

  it('findCoupon: null when the list ends without a match; status 2 (invalidated) reads ended; two matches are refused', async () => {
    t.answer('marketing.GetShopCouponMetaList', ok({ count: 1, shop_coupon_meta_list: [item({ start_apply_time: '2027-01-10 09:30:01' })] }));
    expect(await t.sut().findCoupon(t.shop, threshold)).toBeNull();
    t.answer('marketing.GetShopCouponMetaList', ok({ count: 1, shop_coupon_meta_list: [item({ status: 2 })] }));
    expect(await t.sut().findCoupon(t.shop, threshold)).toMatchObject({ status: 'ended' });
    t.answer('marketing.GetShopCouponMetaList', ok({ count: 2, shop_coupon_meta_list: [item(), item({ coupon_meta_id: 7 })] }));
    await expect(t.sut().findCoupon(t.shop, threshold)).rejects.toMatchObject({ kind: 'invalid_request', details: { code: 'coupon_lookup_ambiguous' } });
  });

  it('stopCoupon sends marketing.AbleCouponMeta with status 2 and the exact 19-digit coupon_meta_id; an unknown batch is not_found', async () => {
    t.answer('marketing.AbleCouponMeta', ok({ res: true }));
    await t.sut().stopCoupon(t.shop, '7200000000000000042');
    expect(t.sent[0].body).toBe('{"coupon_meta_id":7200000000000000042,"status":2}');
    t.answer('marketing.AbleCouponMeta', { code: 40004, msg: '处理失败', sub_code: 'isv.business-failed:coupon-not-exist', sub_msg: '优惠券不存在' });
    await expect(t.sut().stopCoupon(t.shop, '7200000000000000999')).rejects.toMatchObject({ kind: 'not_found' });
  });
});

describe('DouyinAdapter listOrders: discounted orders are fetched in detail (order.searchList has no promotion_detail)', () => {
  const t = douyinOverNock();
  it('an order with promotion_amount > 0 is a partial id with its update time; one without is complete', async () => {
    const order = (id: string, promotion: number) => ({ order_id: id, order_status: 2, create_time: 1717000000, update_time: 1717000060, order_amount: 1000, pay_amount: 1000, promotion_amount: promotion, sku_order_list: [] });
    t.answer('order.searchList', ok0({ total: 2, shop_order_list: [order('6900000000000000001', 0), order('6900000000000000002', 500)] }));
    const page = await t.sut().listOrders(t.shop, { from: new Date(1717000000000), to: new Date(1717003600000), page: null });
    expect(page.orders.map((o) => o.platformOrderId)).toEqual(['6900000000000000001']);
    expect(page.partialIds).toEqual(['6900000000000000002']);
    expect(page.partialUpdatedAt).toEqual({ '6900000000000000002': new Date(1717000060000).toISOString() });
  });
  function ok0(data: unknown) {
    return { code: 10000, msg: 'success', data };
  }
});
