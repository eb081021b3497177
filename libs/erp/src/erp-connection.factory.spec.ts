import { erpOptionsFromConnection, erpTestEnvelope, ErpConnectionInvalidError, ERP_TEST_ORDER_PREFIX, type ErpConnectionSettings } from './erp-connection.factory';
import { sanitise } from './erp-test-send';
import { validateErpUrl } from './erp-url';

const base: ErpConnectionSettings = {
  connector: 'generic-http',
  baseUrl: 'https://erp.example.com/omnisync',
  appKey: null,
  shopIdMap: null,
  batchSize: 20,
  timeoutMs: 3000,
  secrets: { secret: 's3cret-value' },
};

describe('validateErpUrl', () => {
  it.each(['https://erp.example.com', 'http://127.0.0.1:4104', 'https://erp.example.com/omnisync/'])('accepts %s', (u) => {
    expect(validateErpUrl(u)).toBeNull();
  });
  it.each([
    ['ftp://erp.example.com', /http or https/],
    ['erp.example.com', /absolute/],
    ['https://user:pw@erp.example.com', /credentials/],
    ['https://erp.example.com/?token=1', /query/],
    ['', /http\(s\) URL/],
    [42, /http\(s\) URL/],
    [`https://erp.example.com/${'x'.repeat(500)}`, /500/],
  ])('refuses %s', (u, why) => {
    expect(validateErpUrl(u)).toMatch(why);
  });
});

describe('erpOptionsFromConnection', () => {
  it('maps generic-http, batch size and timeout', () => {
    expect(erpOptionsFromConnection(base)).toEqual({
      connector: 'generic-http',
      baseUrl: base.baseUrl,
      secret: 's3cret-value',
      maxBatch: 20,
      timeoutMs: 3000,
    });
  });
  it('maps jushuitan with its shop map', () => {
    const o = erpOptionsFromConnection({
      ...base,
      connector: 'jushuitan',
      appKey: 'ak',
      shopIdMap: { s: 1 },
      secrets: { appSecret: 'as', accessToken: 'at' },
    });
    expect(o).toMatchObject({ connector: 'jushuitan', appKey: 'ak', appSecret: 'as', accessToken: 'at', shopIdMap: { s: 1 } });
  });
  it('pull: nothing to build', () => {
    expect(erpOptionsFromConnection({ ...base, connector: 'pull', baseUrl: null, secrets: {} })).toBeNull();
  });
  it.each([
    [{ baseUrl: 'ftp://x' }, 'baseUrl'],
    [{ secrets: {} }, 'secret'],
    [{ connector: 'jushuitan' as const, secrets: { appSecret: 'a', accessToken: 't' } }, 'appKey'],
  ])('names what is unusable: %o', (over, field) => {
    expect(() => erpOptionsFromConnection({ ...base, ...over })).toThrow(ErpConnectionInvalidError);
    try {
      erpOptionsFromConnection({ ...base, ...over });
    } catch (e) {
      expect((e as ErpConnectionInvalidError).field).toBe(field);
    }
  });
});

describe('erpTestEnvelope', () => {
  it('is a fresh, recognisable sample order each time', () => {
    const a = erpTestEnvelope('shop-1');
    const b = erpTestEnvelope('shop-1');
    expect(a.orderId).not.toBe(b.orderId);
    expect(a.idempotencyKey).toBe(`${a.orderId}-v1`);
    expect(a.order.platformOrderId.startsWith(ERP_TEST_ORDER_PREFIX)).toBe(true);
    expect(a.order.shopId).toBe('shop-1');
  });
});

describe('sanitise', () => {
  it('scrubs secrets, control characters and length', () => {
    const out = sanitise(`{"echo":"my-secret"}\n\u0007${'y'.repeat(400)}`, ['my-secret'])!;
    expect(out).not.toContain('my-secret');
    expect(out).toContain('[redacted]');
    expect(out).not.toMatch(/[\n\u0007]/);
    expect(out.length).toBeLessThanOrEqual(200);
  });
  it('serialises objects and keeps null', () => {
    expect(sanitise({ ok: true }, [])).toBe('{"ok":true}');
    expect(sanitise(null, [])).toBeNull();
  });
});
