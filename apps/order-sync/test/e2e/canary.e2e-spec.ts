import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import axios, { type AxiosInstance } from 'axios';
import Redis from 'ioredis';
import type { Role } from '@app/contracts';
import { DOUYIN_DEMO_SHOP, TAOBAO_DEMO_SHOP, XHS_DEMO_SHOP } from '@app/sandbox';
import { erpOrders, startE2eSystem, tail, waitUntil, type E2eSystem } from './support/e2e-system';

/**
 * The canary (issue 7, acceptance): one running system (all four apps at LOG_LEVEL=debug, the simulators) with
 * distinctive secrets — SECRETS_KEY, the ERP secret (environment default and the merchant's own connection),
 * INTERNAL_SERVICE_SECRET, the operator token — and a paid Douyin order with distinctive buyer data (receiver
 * name, phone, address; a buyer nick the simulator only ever shows masked). Once the order reached the ERP
 * simulator with that buyer data (so the canary really flowed through every part), each canary string must be
 * absent from:
 *   - the plaintext of `pg_dump --data-only` of the run's database;
 *   - every Redis key and value under the run's prefix (strings, hashes, lists, sets, sorted sets, streams);
 *   - every app process's output (not the simulators');
 *   - every GET response the gateway gives the admin, ops and merchandiser keys;
 * and only GET /erp/orders with an erp key carries the buyer data. The shops' app secrets and access tokens
 * (from the simulators' state) are absent from the dump and the logs too.
 */
jest.setTimeout(240_000);

const exec = promisify(execFile);
const tag = randomBytes(4).toString('hex');
const SECRETS = {
  secretsKey: randomBytes(32).toString('hex'),
  erpSecret: `canary-erp-secret-${tag}-${randomBytes(8).toString('hex')}`,
  internalServiceSecret: `canary-internal-secret-${tag}-${randomBytes(16).toString('hex')}`,
  operatorToken: `op_canary_${tag}_${randomBytes(16).toString('hex')}`,
};
const BUYER = {
  nick: `CanaryNick${tag}`,
  name: `CanaryReceiver${tag}`,
  phone: `139${randomInt(10_000_000, 99_999_999)}`,
  address: `Canary Road ${tag} No. ${randomInt(100, 999)}`,
};

describe('canary: secrets and buyer data leave no trace outside the ERP payload', () => {
  let e2e: E2eSystem;
  const output = new Map<string, string[]>();
  /** one canary order on Douyin (masked receiver fields) and one on Taobao (receiver_name/mobile/address) */
  const orderIds: Record<'douyin' | 'taobao', string> = { douyin: '', taobao: '' };
  let shopSecrets: string[] = [];
  const key = {} as Record<Role, string>;

  beforeAll(async () => {
    e2e = await startE2eSystem({
      apps: ['gateway', 'order-sync', 'catalog-sync', 'coupon'],
      env: { LOG_LEVEL: 'debug' },
      secrets: SECRETS,
    });
    // every chunk from now on (the system's own buffer keeps only the last few hundred chunks)
    for (const [name, p] of e2e.sys.processes) {
      if (name === 'sandbox') continue;
      const chunks = [...p.output];
      output.set(name, chunks);
      p.child.stdout?.on('data', (b: Buffer) => chunks.push(b.toString()));
      p.child.stderr?.on('data', (b: Buffer) => chunks.push(b.toString()));
    }
    const gw = e2e.sys.gateway;
    for (const role of ['ops', 'merchandiser', 'erp'] as const) {
      const res = await gw.post('/api-keys', { name: `canary ${role}`, roles: [role] });
      if (res.status !== 201) throw new Error(`POST /api-keys -> ${res.status} ${JSON.stringify(res.data)}`);
      key[role] = (res.data as { key: string }).key;
    }
    key.admin = e2e.sys.adminKey;
    // the merchant's own ERP connection, with the canary secret (the simulator's ERP, an operator-allowed host)
    const put = await gw.put('/erp-connection', { connector: 'generic-http', baseUrl: e2e.sys.urls.erp, secret: SECRETS.erpSecret, batchSize: 20, timeoutMs: 3000 });
    if (put.status !== 200) throw new Error(`PUT /erp-connection -> ${put.status} ${JSON.stringify(put.data)}`);

    const states = await Promise.all(
      (['douyin', 'taobao', 'xiaohongshu'] as const).map((p) =>
        e2e.sys.sandboxAdmin<{ tokens: Array<{ accessToken: string; refreshToken: string }> }>(p, 'GET', 'state'),
      ),
    );
    shopSecrets = [
      ...[DOUYIN_DEMO_SHOP, TAOBAO_DEMO_SHOP, XHS_DEMO_SHOP].flatMap((d) => [d.appSecret, d.accessToken, d.refreshToken]),
      ...states.flatMap((s) => s.tokens.flatMap((t) => [t.accessToken, t.refreshToken])),
    ].filter((v, i, all) => v.length >= 8 && all.indexOf(v) === i);

    orderIds.douyin = `6${randomInt(1e8, 9e8)}${randomInt(1e8, 9e8)}1`;
    orderIds.taobao = `${randomInt(1e8, 9e8)}${randomInt(1e8, 9e8)}2`;
    const now = Date.now();
    for (const [platform, platformOrderId] of Object.entries(orderIds)) await e2e.sys.sandboxAdmin(platform as 'douyin' | 'taobao', 'POST', 'seed/orders', {
      orders: [
        {
          platformOrderId,
          status: 'paid',
          createdAt: now - 20_000,
          paidAt: now - 10_000,
          updatedAt: now - 10_000,
          items: [{ lineId: `${platformOrderId}-1`, productId: 'p-canary', skuId: 's-canary', skuCode: 'SKU-CANARY', title: 'canary item', quantity: 1, unitPriceFen: 990 }],
          shippingFen: 0,
          discountFen: 0,
          buyerNick: BUYER.nick,
          receiver: { name: BUYER.name, phone: BUYER.phone, address: BUYER.address },
        },
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  const canaries = (): Record<string, string> => ({
    SECRETS_KEY: SECRETS.secretsKey,
    SECRETS_KEY_base64: Buffer.from(SECRETS.secretsKey, 'hex').toString('base64'),
    ERP_SECRET: SECRETS.erpSecret,
    INTERNAL_SERVICE_SECRET: SECRETS.internalServiceSecret,
    operatorToken: SECRETS.operatorToken,
    buyerNick: BUYER.nick,
    receiverName: BUYER.name,
    receiverPhone: BUYER.phone,
    receiverAddress: BUYER.address,
  });
  /** the canary names found in `text` */
  const found = (text: string, extra: string[] = []): string[] => [
    ...Object.entries(canaries())
      .filter(([, v]) => text.includes(v))
      .map(([k]) => k),
    ...extra.filter((v) => text.includes(v)).map((v) => `shop credential ${v.slice(0, 4)}…`),
  ];

  it('the canary orders reached the ERP with their buyer data', async () => {
    for (const platformOrderId of Object.values(orderIds)) {
      const at = await waitUntil(
        `the canary order ${platformOrderId} at the ERP`,
        async () => (await erpOrders(e2e.sys)).find((o) => o.platformOrderId === platformOrderId && (o as { buyer?: unknown }).buyer),
        60_000,
        () => `\norder-sync:\n${tail(e2e.sys, 'order-sync', 40)}`,
      );
      const buyer = JSON.stringify((at as { buyer?: unknown }).buyer);
      expect({ platformOrderId, buyer }).toEqual({ platformOrderId, buyer: expect.stringContaining(BUYER.name) });
      expect(buyer).toContain(BUYER.phone);
      expect(buyer).toContain(BUYER.address);
    }
    expect(shopSecrets.length).toBeGreaterThan(0);
  });

  it('absent from the pg_dump plaintext of the database', async () => {
    const { stdout } = await exec('/usr/bin/pg_dump', ['--data-only', '--no-owner', '-d', e2e.sys.options.databaseUrl], { maxBuffer: 512 * 1024 * 1024 });
    for (const id of Object.values(orderIds)) expect(stdout).toContain(id); // the dump does hold the orders
    expect(found(stdout, shopSecrets)).toEqual([]);
  });

  it('absent from every Redis key and value under the run’s prefix', async () => {
    const r = new Redis(e2e.redisUrl, { maxRetriesPerRequest: 2 });
    const leaks: string[] = [];
    let keys = 0;
    try {
      let cursor = '0';
      do {
        const [next, batch] = await r.scan(cursor, 'MATCH', `${e2e.prefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const k of batch) {
          keys++;
          const type = await r.type(k);
          let value: unknown;
          if (type === 'string') value = await r.getBuffer(k).then((b) => b?.toString('latin1'));
          else if (type === 'hash') value = await r.hgetall(k);
          else if (type === 'list') value = await r.lrange(k, 0, -1);
          else if (type === 'set') value = await r.smembers(k);
          else if (type === 'zset') value = await r.zrange(k, 0, -1, 'WITHSCORES');
          else if (type === 'stream') value = await r.xrange(k, '-', '+');
          else value = `(type ${type})`;
          const hit = found(`${k}\n${JSON.stringify(value)}`, shopSecrets);
          if (hit.length > 0) leaks.push(`${k} (${type}): ${hit.join(', ')}`);
        }
      } while (cursor !== '0');
    } finally {
      r.disconnect();
    }
    expect(keys).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });

  it('absent from every app process’s output (LOG_LEVEL=debug)', async () => {
    const leaks: string[] = [];
    let total = 0;
    for (const [name, chunks] of output) {
      const text = chunks.join('');
      total += text.length;
      const hit = found(text, shopSecrets);
      if (hit.length > 0) leaks.push(`${name}: ${hit.join(', ')}`);
    }
    expect(output.size).toBe(4);
    expect(total).toBeGreaterThan(0);
    // the capture saw this run's work (order-sync logs the merchant's ERP lane when it delivers)
    expect(output.get('order-sync')!.join('')).toContain(e2e.sys.merchantId);
    expect(leaks).toEqual([]);
  });

  it('absent from every GET response to admin, ops and merchandiser keys; GET /erp/orders (erp key) has it', async () => {
    const gw = (k: string): AxiosInstance =>
      axios.create({ baseURL: e2e.sys.urls.gateway, headers: { authorization: `Bearer ${k}` }, validateStatus: () => true, timeout: 30_000, responseType: 'text' });
    const doc = (await gw(key.admin).get('/docs-json')).data as string;
    const paths = Object.entries((JSON.parse(doc) as { paths: Record<string, Record<string, unknown>> }).paths)
      .filter(([p, ops]) => 'get' in ops && !p.includes('{'))
      .map(([p]) => p);
    expect(paths).toEqual(expect.arrayContaining(['/shops', '/api-keys', '/ops/queues', '/ops/sla', '/erp-connection', '/audit-log']));
    const orderRow: { id: string }[] = await e2e.db.query(`SELECT id::text AS id FROM order_sync.orders WHERE platform_order_id = $1`, [orderIds.douyin]);
    const shopIds = Object.values(e2e.sys.shops).map((s) => s.id);
    const all = [
      ...paths,
      '/products',
      '/compliance/banned-words',
      '/erp/stock',
      ...shopIds.map((id) => `/shops/${id}`),
      `/erp/shipments?orderId=${orderRow[0].id}`,
      `/orders/${orderRow[0].id}/shipments`,
    ];
    const leaks: string[] = [];
    let ok = 0;
    for (const role of ['admin', 'ops', 'merchandiser'] as const) {
      for (const path of all) {
        const res = await gw(key[role]).get(path);
        if (res.status === 200) ok++;
        const hit = found(`${JSON.stringify(res.headers)}\n${String(res.data)}`, shopSecrets);
        if (hit.length > 0) leaks.push(`${role} GET ${path} -> ${res.status}: ${hit.join(', ')}`);
      }
    }
    expect(ok).toBeGreaterThan(10);
    expect(leaks).toEqual([]);

    const erp = await gw(key.erp).get('/erp/orders');
    expect(erp.status).toBe(200);
    const body = String(erp.data);
    expect(body).toContain(BUYER.name);
    expect(body).toContain(BUYER.phone);
    expect(body).toContain(BUYER.address);
    // and even there, no secret
    expect(found(body, shopSecrets).filter((k) => !k.startsWith('receiver'))).toEqual([]);
  });
});
