import nock from 'nock';
import { BreakerRegistry, type RedisRateLimiter } from '@app/resilience';
import { FakeShopDirectory } from '@app/testing/fakes';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { hasCapability, type CouponDraft } from '../capabilities';
import { PlatformCaller, obj, parseBody, type PlatformProtocol } from '../http';
import type { AuthorisedShop, ShopContext, TokenSet } from '../platform-adapter.port';
import { KuaishouAdapter } from './kuaishou.adapter';
import { beijingDayStart } from './kuaishou.coupons';
import { kuaishouAppSecret, kuaishouSecretProblems, kuaishouSecrets } from './kuaishou.credentials';
import { ksError, ksOAuthError } from './kuaishou.errors';
import { ksFeeDetailDiscounts, ksOrderToCanonical } from './kuaishou.mapper';
import { ksPath, ksTokens } from './kuaishou.protocol';
import { ksDecryptPush, ksEncryptPush, kuaishouPushReply, verifyKuaishouPush } from './kuaishou.push';
import { kuaishouSign, kuaishouStringToSign } from './kuaishou.sign';
import { KS_ORDER_STATUS, ksStatus } from './kuaishou.status';

/**
 * Sign vectors computed outside this code base with python3 hashlib / hmac (the string built by hand from
 * MARKETING-KUAISHOU-ALERTS.md 2.2: sorted keys, raw values, `&signSecret=` appended; MD5 lowercase hex,
 * HMAC_SHA256 Base64 keyed with the signSecret):
 *   python3 -c "import hashlib;print(hashlib.md5(s.encode()).hexdigest())"
 *   python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(k.encode(),s.encode(),hashlib.sha256).digest()).decode())"
 */
const VECTOR = {
  params: { access_token: 'ChFvYXV0aC5hY2Nlc3NUb2tlbhJg', appkey: 'ks658263512345678901', method: 'open.order.detail', param: '{"oid":2412300012345678901}', timestamp: '1717000000123', version: '1' },
  signSecret: 'ks-sign-secret-0001',
  md5: 'b3fd5bccc493cfb73cfda89445249fab',
  hmac: 'e1ZQ28/VHuBAa7l1nR2PmJOmegxpEGBBrr52umaruPo=',
};

/**
 * AES vector made with openssl (key = the 32 ASCII bytes "kuaishou-msg-key-0123456789abcde"):
 *   printf '%s' "$PLAIN" | openssl enc -aes-256-cbc -K <hex key> -iv 00000000000000000000000000000000 -base64 -A
 */
const MESSAGE_KEY = 'a3VhaXNob3UtbXNnLWtleS0wMTIzNDU2Nzg5YWJjZGU=';
const PUSH_PLAIN =
  '{"eventId":"E1","msgId":"M9001","bizId":2412300012345678901,"userId":88001,"openId":"f0c1openid","appKey":"ks658263512345678901","event":"kwaishop_order_paySuccess","info":"{\\"oid\\":2412300012345678901,\\"sellerId\\":88001,\\"status\\":30,\\"updateTime\\":1717000005000}","status":1,"createTime":1717000005100,"updateTime":1717000005000,"test":false}';
const PUSH_BODY =
  'XsXc/mRhZVKR6WbSa/8q4RpLsOVm36fHoSx3FGCrtTqMGuZ3kS0zWVwKHVADqTgI3/jHl37cR7OzsO3IS1tePBoyLmKlHP55KhJsm/ARbNgEwzXb/SOoF8LzJXhWchTCfTOuGLnYizOvYDSAnUlUGBuv+grRi5WdAUAJY25Kdn6mvlMOD1KUtnpKzpgg3iYw2YdklS0ssDQzW5vbsC0khwkqz2Ofz0+olh783HxAPNsaBgNLpA4/Gu0oJn9ietLZ5vEKlt1fZuIh7ozMEj3qo1SdMIp94ewpiTx0NgHTgr7Q/LFQMrS0EXd+ihL8L14m5lY8qb57uK3/+/I0PYxm016I4AY6GJ+DLwyqj+H6BCnrr4YZ8RRLskGjaVwqGEB/Or/zHAG0bXIA/NGVzyKoDivUolEuHTm+6eSRxyzhyGWF+L1l21xeQgRAOS06RASg46AheaU9FCqp50/HCaTsFg==';
const APP_KEY = 'ks658263512345678901';
const SECRET = kuaishouAppSecret({ appSecret: 'ks-app-secret', signSecret: VECTOR.signSecret, messageKey: MESSAGE_KEY });

describe('kuaishou sign', () => {
  it('matches the MD5 and HMAC_SHA256 vectors computed with python', () => {
    expect(kuaishouSign({ ...VECTOR.params, signMethod: 'MD5' }, VECTOR.signSecret, 'MD5')).toBe(VECTOR.md5);
    expect(kuaishouSign({ ...VECTOR.params, signMethod: 'HMAC_SHA256' }, VECTOR.signSecret, 'HMAC_SHA256')).toBe(VECTOR.hmac);
  });

  it('matches the documented example string (raw, unencoded values; Chinese text as UTF-8)', () => {
    const p = { access_token: 'xxx', appkey: 'ks123', method: 'open.item.new', param: '{"title":"短袖"}', signMethod: 'MD5', timestamp: '1583271919000', version: '1' };
    expect(kuaishouStringToSign(p, 'xxxxxx')).toBe('access_token=xxx&appkey=ks123&method=open.item.new&param={"title":"短袖"}&signMethod=MD5&timestamp=1583271919000&version=1&signSecret=xxxxxx');
    expect(kuaishouSign(p, 'xxxxxx', 'MD5')).toBe('1f68e2f39332ac385f73ce58ffccdfa1');
  });

  it('never signs sign, unknown keys or null values, and depends on the signSecret', () => {
    const base = { ...VECTOR.params, signMethod: 'MD5' };
    expect(kuaishouSign({ ...base, sign: 'x', extra: 'y', param: undefined, version: null } as never, 's', 'MD5')).toBe(
      kuaishouSign({ access_token: base.access_token, appkey: base.appkey, method: base.method, signMethod: 'MD5', timestamp: base.timestamp }, 's', 'MD5'),
    );
    expect(kuaishouSign(base, 'ks-app-secret', 'MD5')).not.toBe(VECTOR.md5);
  });

  it('maps a method to its gateway path by dots to slashes, without an extra /open/', () => {
    expect(ksPath('open.order.detail')).toBe('/open/order/detail');
    expect(ksPath('open.seller.order.goods.deliver')).toBe('/open/seller/order/goods/deliver');
  });
});

describe('kuaishou credentials (the composite app secret)', () => {
  it('reads the three secrets and names a missing or malformed field', () => {
    expect(kuaishouSecrets(SECRET)).toEqual({ appSecret: 'ks-app-secret', signSecret: VECTOR.signSecret, messageKey: MESSAGE_KEY });
    expect(kuaishouSecretProblems('plain-secret')).toEqual(['appSecret must be a JSON object {"appSecret","signSecret","messageKey"} for kuaishou']);
    expect(kuaishouSecretProblems('{"appSecret":"a"}')).toEqual(['appSecret.signSecret missing']);
    expect(kuaishouSecretProblems('{"appSecret":"a","signSecret":"s","messageKey":"abc"}')).toEqual(['appSecret.messageKey must be Base64 of a 16, 24 or 32 byte AES key']);
    expect(() => kuaishouSecrets('{"signSecret":"s"}')).toThrow('kuaishou: invalid_request: shop credentials: appSecret.appSecret missing');
  });
});

describe('kuaishou status and errors', () => {
  it.each([
    ['10', 'pending_payment'],
    ['30', 'paid'],
    ['40', 'shipped'],
    ['50', 'shipped'],
    ['70', 'completed'],
    ['80', 'cancelled'],
  ])('status %s -> %s', (code, expected) => {
    expect(ksStatus(code)).toBe(expected);
  });

  it('maps every documented status and refuses 0 (未知)', () => {
    expect(Object.keys(KS_ORDER_STATUS).sort()).toEqual(['10', '30', '40', '50', '70', '80']);
    expect(() => ksStatus('0')).toThrow('unknown kuaishou order status 0');
  });

  it.each([
    [24, 'token error', 'auth_expired'],
    [12, 'access_token为空', 'auth_expired'],
    [22, '授权已取消', 'auth_revoked'],
    [28, '签名错误', 'invalid_request'],
    [1017, 'exceed quota limit,[apiId:1;primaryUserId:2]', 'rate_limited'],
    [803000, 'Exceed qps limit, KEY [apiId:12;appkey:ks1], MAX_QPS [300.0]', 'rate_limited'],
    [300004, '时间范围超过7天', 'invalid_request'],
    [300011, '退款单不存在', 'not_found'],
    [300014, '退款单已更新', 'retryable'],
    [500, '服务端异常,请稍后重试', 'retryable'],
    [40001, '订单不存在', 'not_found'],
  ] as const)('result %s (%s) -> %s', (code, msg, kind) => {
    const e = ksError(code, msg, '', 1000);
    expect(e.kind).toBe(kind);
    if (kind === 'rate_limited') expect(e.retryAfterMs).toBe(1000);
  });

  it('reads refreshToken.discarded as a superseded refresh token, other access_denied as revoked', () => {
    expect(ksOAuthError(100200102, 'access_denied', 'refreshToken.discarded')).toMatchObject({ kind: 'auth_revoked', details: { code: 'refresh_token_superseded' } });
    expect(ksOAuthError(100200102, 'access_denied', 'refreshToken.revokedAuthorization')).toMatchObject({ kind: 'auth_revoked', details: { code: '100200102' } });
    expect(ksOAuthError(100200500, 'server_error', '').kind).toBe('retryable');
    expect(ksOAuthError(100200105, 'invalid_grant', '').kind).toBe('invalid_request');
  });
});

describe('kuaishou order mapping', () => {
  it('reads amounts as fen, times as ms, and keeps the 19-digit ids exact', () => {
    const o = ksOrderToCanonical(
      { shopId: 's1' } as ShopContext,
      obj(
        parseBody(
          '{"orderBaseInfo":{"oid":2412300012345678901,"status":30,"payTime":1717000001000,"createTime":1717000000123,"updateTime":1717000002000,"totalFee":38780,"discountFee":1000,"expressFee":800},"orderItemInfo":{"skuId":1760000000000000021,"itemId":3600000000000000011,"skuNick":"ERP-RED-M","num":2,"price":19990,"originalPrice":25000,"discountFee":1000,"itemTitle":"Red shirt"}}',
        ),
      ),
    );
    expect(o).toMatchObject({ platform: 'kuaishou', platformOrderId: '2412300012345678901', status: 'paid', platformStatus: '30', paidFen: 38780, shippingFen: 800, totalFen: 40780, discountFen: 1000 });
    expect(o.createdAt).toBe(new Date(1717000000123).toISOString());
    expect(o.items[0]).toMatchObject({ platformSkuId: '1760000000000000021', platformProductId: '3600000000000000011', erpSkuCode: 'ERP-RED-M', quantity: 2, unitPriceFen: 19990 });
  });

  it('an unknown status fails the order as invalid_request naming it', () => {
    expect(() => ksOrderToCanonical({ shopId: 's1' } as ShopContext, { orderBaseInfo: { oid: '1', status: 0 } })).toThrow('order 1: unknown kuaishou order status 0');
  });
});

describe('kuaishou push (AES-CBC, no signature)', () => {
  const lookup = async (k: string) => (k === APP_KEY ? SECRET : null);
  const req = (body: string, appKey: string | null = APP_KEY) => ({ headers: { 'content-type': 'text/plain;charset=utf-8' }, rawBody: Buffer.from(body), query: appKey ? { appKey } : {} });

  it('decrypts the openssl vector and encrypts back to it', () => {
    expect(ksDecryptPush(PUSH_BODY, MESSAGE_KEY)).toBe(PUSH_PLAIN);
    expect(ksEncryptPush(PUSH_PLAIN, MESSAGE_KEY)).toBe(PUSH_BODY);
  });

  it('verifies a pushed paySuccess: exact order id, shop open id, pay time', async () => {
    expect(await verifyKuaishouPush(req(PUSH_BODY), lookup)).toEqual({
      ok: true,
      messages: [
        {
          platform: 'kuaishou',
          messageId: 'M9001',
          platformShopId: 'f0c1openid',
          topic: 'kwaishop_order_paySuccess',
          kind: 'order',
          platformOrderId: '2412300012345678901',
          occurredAt: new Date(1717000005000).toISOString(),
          paidAt: new Date(1717000005000).toISOString(),
          raw: '{"oid":2412300012345678901,"sellerId":88001,"status":30,"updateTime":1717000005000}',
        },
      ],
    });
  });

  it('answers heartbeats and test messages as check messages, and replies {"result":1}', async () => {
    const res = await verifyKuaishouPush(req(ksEncryptPush('{"test":true}', MESSAGE_KEY)), lookup);
    expect(res.ok && res.messages.map((m) => m.kind)).toEqual(['check']);
    expect(kuaishouPushReply(true)).toEqual({ status: 200, body: { result: 1 } });
    expect(kuaishouPushReply(false).body).not.toEqual({ result: 1 });
  });

  it('rejects a push without the app in its URL, of an unknown app, under another key, tampered, or naming another app', async () => {
    expect(await verifyKuaishouPush(req(PUSH_BODY, null), lookup)).toMatchObject({ ok: false, status: 401 });
    expect(await verifyKuaishouPush(req(PUSH_BODY, 'ks-other'), lookup)).toMatchObject({ ok: false, status: 401, reason: 'unknown appKey' });
    const otherKey = Buffer.alloc(32, 7).toString('base64');
    expect(await verifyKuaishouPush(req(ksEncryptPush(PUSH_PLAIN, otherKey)), lookup)).toMatchObject({ ok: false });
    expect(await verifyKuaishouPush(req(`A${PUSH_BODY.slice(1, -4)}`), lookup)).toMatchObject({ ok: false });
    const foreign = ksEncryptPush(PUSH_PLAIN.replace(APP_KEY, 'ks-someone-else'), MESSAGE_KEY);
    expect(await verifyKuaishouPush(req(foreign), lookup)).toMatchObject({ ok: false, status: 401, reason: 'message names another appKey' });
  });
});

describe('kuaishou refresh tokens (each refresh rotates the refresh token)', () => {
  const shop: ShopContext = {
    shopId: 'shop-ks-1',
    platform: 'kuaishou',
    platformShopId: 'f0c1openid',
    baseUrl: 'http://127.0.0.1:1',
    credentials: { appKey: APP_KEY, appSecret: SECRET, accessToken: 'at-0', refreshToken: 'rt-0', accessTokenExpiresAt: new Date(Date.now() - 1000) },
  };
  const limiter = { acquire: async () => undefined } as unknown as RedisRateLimiter;
  let breakers: BreakerRegistry;
  beforeEach(() => (breakers = new BreakerRegistry({ requestTimeoutMs: 1000 })));
  afterEach(() => breakers.shutdown());

  /** the platform: only the newest refresh token works; a used one is refreshToken.discarded */
  function platform(current: { rt: string }) {
    const sent: string[] = [];
    const protocol: PlatformProtocol = {
      platform: 'kuaishou',
      canRefreshTokens: true,
      send: async (_s, token) => ({ token }),
      refresh: async (_s, rt): Promise<TokenSet> => {
        sent.push(rt);
        if (rt !== current.rt) throw ksOAuthError(100200102, 'access_denied', 'refreshToken.discarded');
        current.rt = `${rt}+`;
        return { accessToken: `at-for-${rt}`, refreshToken: current.rt, accessTokenExpiresAt: new Date(Date.now() + 172_800_000) };
      },
      exchangeCode: async (): Promise<AuthorisedShop> => {
        throw new Error('unused');
      },
    };
    return { protocol, sent };
  }

  it('another process refreshed first: our discarded refresh token is not a re-authorisation, the stored tokens are used', async () => {
    const directory = new FakeShopDirectory([{ ...shop, credentials: { ...shop.credentials } }]);
    const p = platform({ rt: 'rt-0' });
    // the other process: refreshes with rt-0 and stores the result
    const other = await p.protocol.refresh(shop, 'rt-0');
    await directory.saveTokens(shop.shopId, other);
    const caller = new PlatformCaller(p.protocol, { directory, breakers, limiter, options: { timeoutMs: 1000 } });
    // we still hold the old context (at-0 expired, rt-0)
    await expect(caller.call(shop, 'open.order.detail', {})).resolves.toEqual({ token: 'at-for-rt-0+' });
    expect(directory.reauth).toEqual([]);
    expect(p.sent).toEqual(['rt-0', 'rt-0', 'rt-0+']); // the other's, our discarded one, then the stored one once
  });

  it('nobody holds a newer refresh token: the shop is marked needs_reauth, and the refused token is sent once', async () => {
    const directory = new FakeShopDirectory([{ ...shop, credentials: { ...shop.credentials } }]);
    const p = platform({ rt: 'rt-elsewhere' });
    const caller = new PlatformCaller(p.protocol, { directory, breakers, limiter, options: { timeoutMs: 1000 } });
    await expect(caller.call(shop, 'open.order.detail', {})).rejects.toMatchObject({ kind: 'auth_revoked' });
    expect(directory.reauth).toHaveLength(1);
    expect(directory.reauth[0].reason).toMatch(/token refresh rejected \(refreshToken\.discarded\)/);
    expect(p.sent).toEqual(['rt-0']);
  });
});

describe('kuaishou coupons (open.promotion.coupon.*) over nock', () => {
  const HOST = 'ks-coupon.nock.test';
  const ORIGIN = `http://${HOST}`;
  /** Date.now during the calls: 2026-01-01T00:00:00Z (the timestamp signed) */
  const NOW = 1767225600000;
  const shop: ShopContext = {
    shopId: 'shop-ks-coupon',
    platform: 'kuaishou',
    platformShopId: 'f0c1openid',
    baseUrl: ORIGIN,
    credentials: { appKey: APP_KEY, appSecret: SECRET, accessToken: 'at-coupon-1', refreshToken: 'rt-coupon-1', accessTokenExpiresAt: new Date('2100-01-01T00:00:00Z') },
  };
  const threshold: CouponDraft = {
    idempotencyKey: 'cmp-7f3a-shop-1',
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
  const products: CouponDraft = {
    ...threshold,
    idempotencyKey: 'cmp-7f3a-shop-2',
    name: '直降5元',
    kind: 'direct',
    thresholdFen: null,
    amountFen: 500,
    totalQuantity: 100,
    perUserLimit: 1,
    claimStartsAt: '2027-01-11T20:00:00+08:00',
    claimEndsAt: '2027-01-13T00:00:00+08:00', // Beijing midnight: the window's last day is the 12th
    validity: { kind: 'after_claim', from: null, until: null, days: 7 },
    audience: 'followers',
    platformProductIds: ['1800000000000000011', '1800000000000000012'],
  };
  let breakers: BreakerRegistry;
  let sut: KuaishouAdapter;
  let sent: { verb: string; path: string; form: Record<string, string> }[];

  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
  });
  beforeEach(() => {
    breakers = new BreakerRegistry({ requestTimeoutMs: 1000 });
    const limiter = { acquire: async () => undefined } as unknown as RedisRateLimiter;
    sut = new KuaishouAdapter({ directory: new FakeShopDirectory([shop]), breakers, limiter, options: { timeoutMs: 1000, outbound: testOutboundPolicy(HOST) } });
    sent = [];
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    nock.cleanAll();
    breakers.shutdown();
  });

  /** answers `method` with `reply(form)` (recording the verb, path and form it was sent) */
  function answer(verb: 'GET' | 'POST', method: string, reply: (form: Record<string, string>) => unknown, times = 1): void {
    const path = `/${method.replace(/\./g, '/')}`;
    const scope = nock(ORIGIN);
    const icp = verb === 'GET' ? scope.get(path).query(true) : scope.post(path);
    icp.times(times).reply(200, (uri: string, body: unknown) => {
      const form = verb === 'GET' ? Object.fromEntries(new URL(uri, ORIGIN).searchParams) : Object.fromEntries(new URLSearchParams(String(body)));
      sent.push({ verb, path: new URL(uri, ORIGIN).pathname, form });
      return reply(form) as nock.Body;
    });
  }
  const listItem = (n: number, key: string, status = 2) => ({ couponId: `26000000000000${String(n).padStart(5, '0')}`, name: `c${n}`, status, totalStock: 10 + n, outerUniqueKey: key });

  it('offers the coupons capability', () => {
    expect(hasCapability(sut, 'coupons')).toBe(true);
  });

  it('create of a threshold draft: the exact form-encoded params, HMAC_SHA256 sign (python vector), whole Beijing days', async () => {
    answer('POST', 'open.promotion.coupon.create', () => '{"result":1,"error_msg":"","data":{"couponId":2600000000000000123}}');
    expect(await sut.createCoupon(shop, threshold)).toEqual({ platformCouponId: '2600000000000000123', status: 'not_started', totalQuantity: 500 });
    expect(sent).toHaveLength(1);
    expect(sent[0].form).toEqual({
      appkey: APP_KEY,
      method: 'open.promotion.coupon.create',
      version: '1',
      param:
        '{"couponTargetType":1,"name":"满100减10","outerUniqueKey":"cmp-7f3a-shop-1","receiveEndTime":1799769599000,"receivePerLimit":2,"receiveStartTime":1799510400000,"reduceAmount":1000,"threshold":10000,"totalStock":500,"validEndTime":1800460799000,"validStartTime":1799510400000,"validityType":1}',
      access_token: 'at-coupon-1',
      timestamp: String(NOW),
      signMethod: 'HMAC_SHA256',
      sign: 'nRKxOtOXB4jGs7QhgpDqmDw0iJ8oKLYw+gyHAp3ouTc=',
    });
  });

  it('create of a products draft (direct, followers, 7 days after claim): item target with exact 19-digit itemIds, couponFrontType 11', async () => {
    answer('POST', 'open.promotion.coupon.create', () => '{"result":1,"error_msg":"","data":{"couponId":2600000000000000124}}');
    expect((await sut.createCoupon(shop, products)).platformCouponId).toBe('2600000000000000124');
    expect(sent[0].form.param).toBe(
      '{"couponFrontType":11,"couponTargetType":0,"fixedValidityTime":7,"itemIds":[1800000000000000011,1800000000000000012],"name":"直降5元","outerUniqueKey":"cmp-7f3a-shop-2","receiveEndTime":1799769599000,"receivePerLimit":1,"receiveStartTime":1799596800000,"reduceAmount":500,"threshold":0,"totalStock":100,"validityType":2}',
    );
    expect(sent[0].form.sign).toBe('/xv1AL4/ul2oAD5zE9OVjdhPbeQWtpddTMPkIYXW9ug=');
  });

  it('the Beijing day start is UTC+8 midnight, also for an instant before 08:00 UTC', () => {
    expect(beijingDayStart(Date.parse('2027-01-10T23:59:59.999+08:00'))).toBe(Date.parse('2027-01-10T00:00:00+08:00'));
    expect(beijingDayStart(Date.parse('2027-01-10T03:00:00Z'))).toBe(Date.parse('2027-01-10T00:00:00+08:00'));
    expect(beijingDayStart(Date.parse('2027-01-09T17:00:00Z'))).toBe(Date.parse('2027-01-10T00:00:00+08:00'));
  });

  it('refuses a discount draft, an unsupported audience and a too long key before calling (invalid_request)', async () => {
    const discount = { ...threshold, kind: 'discount' as const, amountFen: null, thresholdFen: null, ratePermille: 900, maxDiscountFen: 2000 };
    await expect(sut.createCoupon(shop, discount)).rejects.toMatchObject({ kind: 'invalid_request', details: { code: 'coupon_not_expressible' }, message: expect.stringMatching(/kind discount/) });
    await expect(sut.createCoupon(shop, { ...threshold, audience: 'member_level' })).rejects.toMatchObject({ kind: 'invalid_request', message: expect.stringMatching(/audience member_level/) });
    await expect(sut.createCoupon(shop, { ...threshold, idempotencyKey: 'k'.repeat(61) })).rejects.toMatchObject({ kind: 'invalid_request', message: expect.stringMatching(/outerUniqueKey/) });
    await expect(sut.createCoupon(shop, { ...threshold, thresholdFen: 1000 })).rejects.toMatchObject({ kind: 'invalid_request', message: expect.stringMatching(/thresholdFen/) });
    expect(sent).toEqual([]);
  });

  it('maps a business error of create to invalid_request (not retried) and an unknown coupon of over to not_found', async () => {
    answer('POST', 'open.promotion.coupon.create', () => ({ result: 400, error_msg: '参数错误: threshold must be 0 (no threshold) or greater than reduceAmount' }));
    await expect(sut.createCoupon(shop, threshold)).rejects.toMatchObject({ kind: 'invalid_request', message: expect.stringMatching(/^kuaishou: invalid_request: 400 参数错误: threshold must be/) });
    answer('POST', 'open.promotion.coupon.over', () => ({ result: 40001, error_msg: '数据不存在: coupon 2600000000000000999 does not exist' }));
    await expect(sut.stopCoupon(shop, '2600000000000000999')).rejects.toMatchObject({ kind: 'not_found' });
    expect(sent.map((c) => c.path)).toEqual(['/open/promotion/coupon/create', '/open/promotion/coupon/over']);
  });

  it('stopCoupon sends open.promotion.coupon.over (POST) with the exact couponId', async () => {
    answer('POST', 'open.promotion.coupon.over', () => ({ result: 1, error_msg: '', data: {} }));
    await sut.stopCoupon(shop, '2600000000000000123');
    expect(sent).toEqual([{ verb: 'POST', path: '/open/promotion/coupon/over', form: expect.objectContaining({ method: 'open.promotion.coupon.over', param: '{"couponId":2600000000000000123}' }) }]);
  });

  it('findCoupon pages page.list (GET, all statuses, 50 a page) and finds the coupon by outerUniqueKey on page 2', async () => {
    const page1 = Array.from({ length: 50 }, (_, i) => listItem(i + 1, `other-${i}`));
    const page2 = [listItem(51, 'other-x'), listItem(52, threshold.idempotencyKey, 3), listItem(53, 'other-y')];
    answer('GET', 'open.promotion.coupon.page.list', (f) => ({ result: 1, error_msg: '', data: { total: 53, couponList: JSON.parse(f.param).pageNo === 1 ? page1 : page2 } }), 2);
    expect(await sut.findCoupon(shop, threshold)).toEqual({ platformCouponId: '2600000000000000052', status: 'ended', totalQuantity: 62 });
    expect(sent.map((c) => [c.verb, c.path, c.form.param])).toEqual([
      ['GET', '/open/promotion/coupon/page/list', '{"couponTargetType":1,"pageNo":1,"pageSize":50,"sellerCouponStatus":0}'],
      ['GET', '/open/promotion/coupon/page/list', '{"couponTargetType":1,"pageNo":2,"pageSize":50,"sellerCouponStatus":0}'],
    ]);
  });

  it('findCoupon: null once the list is read to its end (item target for a products draft); an error when the bound cuts a longer list', async () => {
    answer('GET', 'open.promotion.coupon.page.list', () => ({ result: 1, error_msg: '', data: { total: 2, couponList: [listItem(1, 'a'), listItem(2, 'b')] } }));
    expect(await sut.findCoupon(shop, products)).toBeNull();
    expect(JSON.parse(sent[0].form.param)).toMatchObject({ couponTargetType: 0, pageNo: 1 });
    sent = [];
    const full = Array.from({ length: 50 }, (_, i) => listItem(i + 1, `other-${i}`));
    answer('GET', 'open.promotion.coupon.page.list', () => ({ result: 1, error_msg: '', data: { total: 5000, couponList: full } }), 10);
    await expect(sut.findCoupon(shop, threshold)).rejects.toMatchObject({ kind: 'invalid_request', details: { code: 'coupon_lookup_exhausted' } });
    expect(sent).toHaveLength(10);
  });
});

describe('ksFeeDetailDiscounts (open.seller.order.fee.detail marketingInfoOuters)', () => {
  it('maps the merchant coupon (1001), an influencer red packet (1003), a platform subsidy (1002) and an activity (4010); no line names a coupon', () => {
    const lines = ksFeeDetailDiscounts({
      marketingInfoOuters: [
        { subType: 1001, discountFee: 500, bearInfoList: [{ bearAmount: 500 }] },
        { subType: 1003, discountFee: 200 },
        { subType: 1002, discountFee: 100 },
        { subType: 4010, discountFee: 300 },
        { subType: 6001, discountFee: 0 },
      ],
    });
    expect(lines.map((l) => [l.kind, l.bearer, l.amountFen, l.platformType, l.platformCouponId])).toEqual([
      ['coupon', 'shop', 500, '1001', null],
      ['coupon', 'influencer', 200, '1003', null],
      ['subsidy', 'platform', 100, '1002', null],
      ['promotion', 'unknown', 300, '4010', null],
    ]);
  });
});

describe('ksTokens (oauth2 access_token / refresh_token answers)', () => {
  it("keeps the grant's fixed end from refresh_token_expires_in; an answer without it says nothing (null)", () => {
    const t = ksTokens({ access_token: 'at', expires_in: 172_800, refresh_token: 'rt', refresh_token_expires_in: 100 * 86_400 }, null);
    expect(t.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 99 * 86_400_000);
    expect(t.refreshTokenExpiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 100 * 86_400_000);
    expect(ksTokens({ access_token: 'at', expires_in: 172_800, refresh_token: 'rt' }, null).refreshTokenExpiresAt).toBeNull();
  });
});
