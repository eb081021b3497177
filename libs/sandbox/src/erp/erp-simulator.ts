import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jushuitanSign } from '@app/platforms';
import { GENERIC_IDEMPOTENCY_HEADER, JST_REMARK_PREFIX, verifyGenericSignature } from '@app/erp';

/**
 * ERP simulator speaking both ERP protocols over node:http:
 *  - generic-http (libs/erp/README.md): POST /orders, /orders/intercept, /shipments/notices, /stock
 *  - Jushuitan open API: POST /open/jushuitan/orders/upload, /open/order/sent/upload
 * plus an unauthenticated admin API under /__admin/ (GET stats, GET orders, GET notices, POST faults, POST reset).
 * Fault `down` answers 503 to every non-admin request (the port stays open so `down` can be lifted in place).
 */
export interface ErpSimulatorOptions {
  /** 0 = random free port */
  port?: number;
  host?: string;
  /** generic-http HMAC secret */
  secret: string;
  jushuitan?: { appKey: string; appSecret: string; accessToken: string; /** code 199 above this many requests per second */ rateLimitPerSec?: number };
  latencyMs?: number;
  /** 0..1: share of requests answered with HTTP 500 */
  errorRate?: number;
  /** larger bodies get 413 (default 10 MiB) */
  maxBodyBytes?: number;
}

export interface ErpSimulatorFaults {
  latencyMs?: number;
  errorRate?: number;
  /** true: 503 for every non-admin request */
  down?: boolean;
  /** down now, automatically up again after this many ms */
  downForMs?: number;
}

export interface ErpSimOrder {
  erpOrderId: string;
  protocol: 'generic' | 'jushuitan';
  /** our order id (generic protocol), null for Jushuitan */
  orderId: string | null;
  shopId: string;
  platform: string | null;
  platformOrderId: string;
  /** canonical status (generic) or shop_status (Jushuitan) of the latest accepted version */
  status: string;
  paidAt: string | null;
  /** highest order version applied (generic protocol; 0 for Jushuitan) */
  version: number;
  /** ms since epoch when the ERP first acknowledged this order */
  firstAckAt: number;
  lastAckAt: number;
  /** idempotency keys accepted, in order */
  keys: string[];
  /** deliveries incl. duplicates */
  deliveries: number;
  intercepted: string | null;
  /** the buyer block of the latest accepted version (generic protocol), as the ERP received it */
  buyer?: unknown;
}

export interface ErpSimStats {
  requests: number;
  ordersReceived: number;
  ordersCreated: number;
  duplicates: number;
  updates: number;
  orderErrors: number;
  intercepts: number;
  interceptDuplicates: number;
  shipmentNotices: number;
  shipmentNoticeDuplicates: number;
  stockPosts: number;
  rejected: { signature: number; timestamp: number; token: number; rateLimited: number; badRequest: number; tooLarge: number };
  injected: { errors: number; down: number };
}

export interface ErpSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
  stats(): ErpSimStats;
  orders(): ErpSimOrder[];
  shipmentNotices(): Array<{ protocol: 'generic' | 'jushuitan'; receivedAt: number; body: unknown }>;
  stockPosts(): Array<{ receivedAt: number; body: unknown }>;
  setFaults(f: ErpSimulatorFaults): void;
  reset(): void;
}

const JST_TIMESTAMP_SKEW_SEC = 15 * 60;

function emptyStats(): ErpSimStats {
  return {
    requests: 0,
    ordersReceived: 0,
    ordersCreated: 0,
    duplicates: 0,
    updates: 0,
    orderErrors: 0,
    intercepts: 0,
    interceptDuplicates: 0,
    shipmentNotices: 0,
    shipmentNoticeDuplicates: 0,
    stockPosts: 0,
    rejected: { signature: 0, timestamp: 0, token: 0, rateLimited: 0, badRequest: 0, tooLarge: 0 },
    injected: { errors: 0, down: 0 },
  };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function startErpSimulator(opts: ErpSimulatorOptions): Promise<ErpSimulator> {
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const faults = { latencyMs: opts.latencyMs ?? 0, errorRate: opts.errorRate ?? 0, down: false };
  let downTimer: NodeJS.Timeout | null = null;

  let stats = emptyStats();
  let nextErpSeq = 1;
  let nextJstOid = 10_000_001;
  /** ERP order by identity: generic `g|<orderId>`, Jushuitan `j|<shop_id>|<so_id>` */
  let orders = new Map<string, ErpSimOrder>();
  /** generic idempotency key -> order identity */
  let genericKeys = new Map<string, string>();
  let interceptKeys = new Set<string>();
  /** generic interceptions that arrived before the order: orderId -> reason */
  let pendingIntercepts = new Map<string, string>();
  let noticeKeys = new Set<string>();
  let notices: Array<{ protocol: 'generic' | 'jushuitan'; receivedAt: number; body: unknown }> = [];
  let stock: Array<{ receivedAt: number; body: unknown }> = [];
  let jstWindow = { second: 0, count: 0 };

  function reset(): void {
    stats = emptyStats();
    nextErpSeq = 1;
    nextJstOid = 10_000_001;
    orders = new Map();
    genericKeys = new Map();
    interceptKeys = new Set();
    pendingIntercepts = new Map();
    noticeKeys = new Set();
    notices = [];
    stock = [];
    jstWindow = { second: 0, count: 0 };
  }

  function setFaults(f: ErpSimulatorFaults): void {
    if (f.latencyMs !== undefined) faults.latencyMs = f.latencyMs;
    if (f.errorRate !== undefined) faults.errorRate = f.errorRate;
    if (f.down !== undefined) faults.down = f.down;
    if (downTimer) {
      clearTimeout(downTimer);
      downTimer = null;
    }
    if (f.downForMs !== undefined && f.downForMs > 0) {
      faults.down = true;
      downTimer = setTimeout(() => {
        faults.down = false;
        downTimer = null;
      }, f.downForMs);
      downTimer.unref();
    }
  }

  // ---------------------------------------------------------------- generic-http

  function genericOrder(entry: unknown, now: number): Record<string, unknown> {
    stats.ordersReceived++;
    if (!isObj(entry) || typeof entry.idempotencyKey !== 'string' || entry.idempotencyKey === '') {
      stats.orderErrors++;
      const key = isObj(entry) && typeof entry.idempotencyKey === 'string' ? entry.idempotencyKey : '';
      return { idempotencyKey: key, error: { code: 'missing_idempotency_key', message: 'every order needs an idempotencyKey', retryable: false } };
    }
    const key = entry.idempotencyKey;
    const known = genericKeys.get(key);
    if (known !== undefined) {
      const o = orders.get(known)!;
      o.deliveries++;
      stats.duplicates++;
      return { idempotencyKey: key, erpOrderId: o.erpOrderId, duplicate: true, acceptedAt: new Date(o.firstAckAt).toISOString() };
    }
    const order = entry.order;
    if (typeof entry.orderId !== 'string' || !isObj(order) || typeof order.platformOrderId !== 'string') {
      stats.orderErrors++;
      return { idempotencyKey: key, error: { code: 'invalid_order', message: 'orderId and order.platformOrderId are required', retryable: false } };
    }
    const identity = `g|${entry.orderId}`;
    genericKeys.set(key, identity);
    const existing = orders.get(identity);
    const status = typeof order.status === 'string' ? order.status : 'unknown';
    const version = typeof entry.version === 'number' ? entry.version : 0;
    if (existing) {
      existing.keys.push(key);
      existing.deliveries++;
      // an older version arriving late is acknowledged but never overwrites a newer one
      if (version >= existing.version) {
        existing.status = status;
        existing.version = version;
        existing.buyer = order.buyer ?? null;
      }
      existing.lastAckAt = now;
      stats.updates++;
      return { idempotencyKey: key, erpOrderId: existing.erpOrderId, duplicate: false, acceptedAt: new Date(existing.firstAckAt).toISOString() };
    }
    const created: ErpSimOrder = {
      erpOrderId: `ERP-${String(nextErpSeq++).padStart(8, '0')}`,
      protocol: 'generic',
      orderId: entry.orderId,
      shopId: String(order.shopId ?? ''),
      platform: typeof order.platform === 'string' ? order.platform : null,
      platformOrderId: order.platformOrderId,
      status,
      paidAt: typeof order.paidAt === 'string' ? order.paidAt : null,
      version,
      firstAckAt: now,
      lastAckAt: now,
      keys: [key],
      deliveries: 1,
      intercepted: pendingIntercepts.get(entry.orderId) ?? null,
      buyer: order.buyer ?? null,
    };
    orders.set(identity, created);
    stats.ordersCreated++;
    return { idempotencyKey: key, erpOrderId: created.erpOrderId, duplicate: false, acceptedAt: new Date(created.firstAckAt).toISOString() };
  }

  function handleGeneric(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer): void {
    const ts = req.headers['x-omnisync-timestamp'];
    const sig = req.headers['x-omnisync-signature'];
    const tsText = typeof ts === 'string' ? ts : undefined;
    if (!verifyGenericSignature(opts.secret, tsText, raw, typeof sig === 'string' ? sig : undefined)) {
      const nowSec = Math.floor(Date.now() / 1000);
      const stale = tsText !== undefined && /^\d+$/.test(tsText) && Math.abs(nowSec - Number(tsText)) > 300;
      if (stale) stats.rejected.timestamp++;
      else stats.rejected.signature++;
      send(res, 401, { error: { code: stale ? 'stale_timestamp' : 'bad_signature', message: 'signature verification failed', retryable: false } });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      stats.rejected.badRequest++;
      send(res, 400, { error: { code: 'bad_json', message: 'body is not JSON', retryable: false } });
      return;
    }
    const now = Date.now();
    if (path === '/orders') {
      if (!isObj(body) || !Array.isArray(body.orders)) {
        stats.rejected.badRequest++;
        send(res, 400, { error: { code: 'bad_request', message: 'orders[] required', retryable: false } });
        return;
      }
      send(res, 200, { results: body.orders.map((e) => genericOrder(e, now)) });
      return;
    }
    const headerKey = req.headers[GENERIC_IDEMPOTENCY_HEADER.toLowerCase()];
    const idem = typeof headerKey === 'string' && headerKey !== '' ? headerKey : isObj(body) && typeof body.idempotencyKey === 'string' ? body.idempotencyKey : '';
    if (idem === '' || !isObj(body)) {
      stats.rejected.badRequest++;
      send(res, 400, { error: { code: 'missing_idempotency_key', message: 'Idempotency-Key header required', retryable: false } });
      return;
    }
    if (path === '/orders/intercept') {
      if (interceptKeys.has(idem)) {
        stats.interceptDuplicates++;
        send(res, 200, { ok: true, duplicate: true });
        return;
      }
      interceptKeys.add(idem);
      stats.intercepts++;
      const reason = typeof body.reason === 'string' ? body.reason : 'unknown';
      const orderId = typeof body.orderId === 'string' ? body.orderId : '';
      const o = orders.get(`g|${orderId}`);
      if (o) {
        o.intercepted = reason;
        o.lastAckAt = now;
      } else pendingIntercepts.set(orderId, reason);
      send(res, 200, { ok: true, duplicate: false });
      return;
    }
    if (path === '/shipments/notices') {
      if (noticeKeys.has(idem)) {
        stats.shipmentNoticeDuplicates++;
      } else {
        noticeKeys.add(idem);
        stats.shipmentNotices++;
        notices.push({ protocol: 'generic', receivedAt: now, body });
      }
      send(res, 200, { ok: true });
      return;
    }
    // path === '/stock'
    stats.stockPosts++;
    stock.push({ receivedAt: now, body });
    send(res, 200, { ok: true });
  }

  // ---------------------------------------------------------------- Jushuitan

  function jstReply(res: ServerResponse, code: number, msg: string, data: unknown = null): void {
    send(res, 200, { code, msg, data });
  }

  function jstOrder(o: unknown, now: number): Record<string, unknown> {
    stats.ordersReceived++;
    if (!isObj(o) || (typeof o.shop_id !== 'number' && typeof o.shop_id !== 'string') || typeof o.so_id !== 'string' || o.so_id === '') {
      stats.orderErrors++;
      return { o_id: null, so_id: isObj(o) ? (o.so_id ?? null) : null, issuccess: false, msg: 'shop_id and so_id are required' };
    }
    if (typeof o.shop_status !== 'string' || !Array.isArray(o.items) || o.items.length === 0) {
      stats.orderErrors++;
      return { o_id: null, so_id: o.so_id, issuccess: false, msg: 'shop_status and items are required' };
    }
    const remark = typeof o.remark === 'string' ? o.remark : '';
    const key = remark.startsWith(JST_REMARK_PREFIX) ? remark.slice(JST_REMARK_PREFIX.length) : null;
    const identity = `j|${String(o.shop_id)}|${o.so_id}`;
    const existing = orders.get(identity);
    const closing =
      o.shop_status === 'TRADE_CLOSED' ||
      o.shop_status === 'TRADE_CLOSED_BY_TAOBAO' ||
      o.items.some((it) => isObj(it) && typeof it.refund_status === 'string' && it.refund_status !== 'closed');
    const payDate = isObj(o.pay) && typeof o.pay.pay_date === 'string' ? o.pay.pay_date : null;
    if (existing) {
      existing.deliveries++;
      // same (shop_id, so_id) and an idempotency key already applied (or a byte-identical re-send without one): a duplicate
      if (key === null ? existing.status === o.shop_status : existing.keys.includes(key)) {
        stats.duplicates++;
        return { o_id: Number(existing.erpOrderId), so_id: o.so_id, issuccess: true, msg: 'duplicate: already uploaded' };
      }
      if (key !== null) existing.keys.push(key);
      if (closing && existing.intercepted === null) {
        existing.intercepted = String(o.shop_status);
        stats.intercepts++;
      } else stats.updates++;
      existing.status = o.shop_status;
      existing.lastAckAt = now;
      return { o_id: Number(existing.erpOrderId), so_id: o.so_id, issuccess: true, msg: 'updated' };
    }
    const oId = nextJstOid++;
    orders.set(identity, {
      erpOrderId: String(oId),
      protocol: 'jushuitan',
      orderId: null,
      shopId: String(o.shop_id),
      platform: null,
      platformOrderId: o.so_id,
      status: o.shop_status,
      paidAt: payDate,
      version: 0,
      firstAckAt: now,
      lastAckAt: now,
      keys: key === null ? [] : [key],
      deliveries: 1,
      intercepted: closing ? String(o.shop_status) : null,
    });
    stats.ordersCreated++;
    return { o_id: oId, so_id: o.so_id, issuccess: true, msg: '执行成功' };
  }

  function handleJushuitan(res: ServerResponse, path: string, raw: Buffer): void {
    const cfg = opts.jushuitan;
    if (!cfg) {
      send(res, 404, { code: 404, msg: 'jushuitan protocol not configured', data: null });
      return;
    }
    const form: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) form[k] = v;
    if (form.app_key !== cfg.appKey || typeof form.sign !== 'string' || jushuitanSign(form, cfg.appSecret) !== form.sign) {
      stats.rejected.signature++;
      jstReply(res, 10, '签名错误 (invalid sign)');
      return;
    }
    const ts = Number(form.timestamp);
    if (!/^\d+$/.test(form.timestamp ?? '') || Math.abs(Date.now() / 1000 - ts) > JST_TIMESTAMP_SKEW_SEC) {
      stats.rejected.timestamp++;
      jstReply(res, 140, 'timestamp outside ±15 minutes');
      return;
    }
    if (form.access_token !== cfg.accessToken) {
      stats.rejected.token++;
      jstReply(res, 100, 'access_token invalid or expired');
      return;
    }
    if (cfg.rateLimitPerSec !== undefined) {
      const second = Math.floor(Date.now() / 1000);
      if (jstWindow.second !== second) jstWindow = { second, count: 0 };
      if (++jstWindow.count > cfg.rateLimitPerSec) {
        stats.rejected.rateLimited++;
        jstReply(res, 199, 'too many requests per second');
        return;
      }
    }
    if (form.charset !== 'utf-8' || form.version !== '2') {
      stats.rejected.badRequest++;
      jstReply(res, 1000, 'charset=utf-8 and version=2 are required');
      return;
    }
    let biz: unknown;
    try {
      biz = JSON.parse(form.biz ?? '');
    } catch {
      stats.rejected.badRequest++;
      jstReply(res, 1000, 'biz is not JSON');
      return;
    }
    const now = Date.now();
    if (path === '/open/jushuitan/orders/upload') {
      if (!Array.isArray(biz)) {
        stats.rejected.badRequest++;
        jstReply(res, 1000, 'biz must be a list of orders');
        return;
      }
      jstReply(res, 0, '执行成功', { datas: biz.map((o) => jstOrder(o, now)) });
      return;
    }
    // /open/order/sent/upload: shipping write-back, recorded only
    stats.shipmentNotices++;
    notices.push({ protocol: 'jushuitan', receivedAt: now, body: biz });
    jstReply(res, 0, '执行成功', { datas: [] });
  }

  // ---------------------------------------------------------------- admin + routing

  function snapshot(): ErpSimStats {
    return { ...stats, rejected: { ...stats.rejected }, injected: { ...stats.injected } };
  }

  function listOrders(): ErpSimOrder[] {
    return [...orders.values()].map((o) => ({ ...o, keys: [...o.keys] }));
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/__admin/stats') return send(res, 200, snapshot());
    if (req.method === 'GET' && path === '/__admin/orders') return send(res, 200, { orders: listOrders() });
    if (req.method === 'GET' && path === '/__admin/notices') return send(res, 200, { notices, stock });
    if (req.method === 'POST' && path === '/__admin/reset') {
      await readBody(req, maxBody);
      reset();
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/__admin/faults') {
      const raw = await readBody(req, maxBody);
      let f: unknown;
      try {
        f = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        return send(res, 400, { error: 'body is not JSON' });
      }
      if (!isObj(f)) return send(res, 400, { error: 'faults must be an object' });
      setFaults(f as ErpSimulatorFaults);
      return send(res, 200, { ok: true, faults: { ...faults } });
    }
    send(res, 404, { error: 'unknown admin route' });
  }

  const GENERIC_PATHS = new Set(['/orders', '/orders/intercept', '/shipments/notices', '/stock']);
  const JST_PATHS = new Set(['/open/jushuitan/orders/upload', '/open/order/sent/upload']);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path.startsWith('/__admin/')) return handleAdmin(req, res, path);
    stats.requests++;
    if (faults.down) {
      stats.injected.down++;
      req.resume();
      return send(res, 503, { error: { code: 'down', message: 'ERP simulator is down', retryable: true } });
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, maxBody);
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      stats.rejected.tooLarge++;
      return send(res, 413, { error: { code: 'too_large', message: `body over ${maxBody} bytes`, retryable: false } }, { Connection: 'close' });
    }
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    if (faults.errorRate > 0 && Math.random() < faults.errorRate) {
      stats.injected.errors++;
      return send(res, 500, { error: { code: 'injected', message: 'injected failure', retryable: true } });
    }
    if (req.method !== 'POST') return send(res, 405, { error: { code: 'method', message: 'POST only', retryable: false } });
    if (GENERIC_PATHS.has(path)) return handleGeneric(req, res, path, raw);
    if (JST_PATHS.has(path)) return handleJushuitan(res, path, raw);
    send(res, 404, { error: { code: 'not_found', message: `no route ${path}`, retryable: false } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { code: 'simulator_bug', message: String(err), retryable: true } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';

  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (downTimer) clearTimeout(downTimer);
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    stats: snapshot,
    orders: listOrders,
    shipmentNotices: () => [...notices],
    stockPosts: () => [...stock],
    setFaults,
    reset,
  };
}
