import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './http-util';
import { SimError } from './sim-error';
import type { FaultPhase } from './faults';
import type { PlatformSimulator } from './simulator';
import type { FaultKind, SimOrderEvent } from './types';

type Json = Record<string, any>;

/**
 * The admin API under /__admin/ (JSON in, JSON out). Not signed: it is the test harness's door.
 *
 *   GET  /__admin/state                 orders, products (+ SKUs with stock and prices), coupons, tokens
 *   GET  /__admin/orders[?shop=]        orders      GET /__admin/orders/<id>
 *   GET  /__admin/stock                 [{productId, skuId, skuCode, stock, priceFen}]
 *   GET  /__admin/coupons               GET /__admin/coupons/truth: per coupon {redeemed, returned, net, amountFen} of its orders
 *   POST /__admin/generator/coupons     {couponRate: 0..1}: the share of generated orders that redeem a live merchant coupon of their shop
 *   GET  /__admin/requests[?method=]    accepted calls (method + parsed business params); DELETE clears
 *   GET  /__admin/stats                 requests, rejections, generator, push, (TMC)
 *   GET  /__admin/generated             [{orderId, shopId, paidAt}] of generated orders
 *   POST /__admin/faults                {latencyMs?, errorRate?, down?: false|'refused'|'503', pushDropRate?, qps?, qpsPerApi?}
 *   POST /__admin/faults/reset
 *   POST /__admin/fail-next             {fault: busy|rate_limited|token_expired|auth_revoked|invalid_request, times?, method?, phase?: before|after, skip?}
 *                                       method: only calls of that API; phase 'after': the call runs, then answers
 *                                       with the fault (a lost answer); skip: let that many targeted calls through first
 *   POST /__admin/tokens/expire         {shopId?}     POST /__admin/tokens/revoke {shopId?}
 *   POST /__admin/auth-code             {shopId}  -> {code}
 *   POST /__admin/seed/orders           {shopId?, orders: SeedOrder[], notify?: boolean (default true: push / TMC)}
 *   POST /__admin/seed/products         {shopId?, products: SeedProduct[]}
 *   POST /__admin/orders/<id>/transition {to: paid|shipped|completed|cancelled|refunded}
 *   POST /__admin/generator/start       {ratePerSec, shopIds?}   POST /__admin/generator/stop
 *   POST /__admin/generator/burst       {count?, ratePerSec?, durationSec?, shopIds?}  (returns at once)
 *   POST /__admin/push                  {url?, batchSize?}
 */
export async function handleAdmin(sim: PlatformSimulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/^\/__admin\/?/, '').replace(/\/$/, '');
  const method = req.method ?? 'GET';
  let body: Json = {};
  try {
    if (method === 'POST' || method === 'PUT') {
      const raw = (await readBody(req, 64 * 1024 * 1024)).toString('utf8');
      body = raw.trim() === '' ? {} : (JSON.parse(raw) as Json);
    }
    const out = await route(sim, method, path, url, body);
    sendJson(res, 200, out ?? { ok: true });
  } catch (e) {
    const status = e instanceof SimError && e.kind === 'not_found' ? 404 : 400;
    sendJson(res, status, { ok: false, error: e instanceof Error ? e.message : String(e) });
  }
}

async function route(sim: PlatformSimulator, method: string, path: string, url: URL, body: Json): Promise<unknown> {
  const shopId = (body.shopId as string | undefined) ?? url.searchParams.get('shop') ?? undefined;
  const key = `${method} ${path}`;
  switch (key) {
    case 'GET state':
      return { platform: sim.platform, ...sim.state() };
    case 'GET orders':
      return [...sim.store.orders.values()].filter((o) => !shopId || o.shopId === shopId);
    case 'GET stock':
      return [...sim.store.skus.values()].map((s) => ({ shopId: s.shopId, productId: s.productId, skuId: s.skuId, skuCode: s.skuCode, stock: s.stock, priceFen: s.priceFen, originalPriceFen: s.originalPriceFen }));
    case 'GET coupons':
      return [...sim.store.coupons.values()];
    case 'GET coupons/truth':
      // the simulator's truth of each coupon: orders that redeemed it, less refunded / cancelled ones
      return [...sim.store.coupons.values()].map((c) => ({ couponId: c.couponId, shopId: c.shopId, stoppedAt: c.stoppedAt ?? null, ...sim.store.couponTruth(c.couponId) }));
    case 'POST generator/coupons': {
      const rate = Number(body.couponRate);
      if (!(rate >= 0 && rate <= 1)) throw new SimError('param_invalid', 'couponRate must be a number from 0 to 1');
      sim.generator.couponRate = rate;
      return { couponRate: rate };
    }
    case 'GET requests':
      return sim.requests(url.searchParams.get('method') ?? undefined);
    case 'DELETE requests':
      sim.clearRequests();
      return { ok: true };
    case 'GET stats':
      return { ...sim.stats(), ...sim.extraStats() };
    case 'GET generated':
      return sim.generatedOrders();
    case 'POST faults': {
      const { qps, qpsPerApi, ...faults } = body;
      if (qps !== undefined || qpsPerApi !== undefined) sim.setQps(qps === undefined ? sim.options.qps : qps, qpsPerApi);
      return sim.setFaults(faults);
    }
    case 'POST faults/reset':
      sim.resetFaults();
      return { ok: true };
    case 'POST fail-next':
      sim.failNext(body.fault as FaultKind, (body.times as number | undefined) ?? 1, {
        method: body.method as string | undefined,
        phase: body.phase as FaultPhase | undefined,
        skip: body.skip as number | undefined,
      });
      return { ok: true, pending: sim.faults.pending() };
    case 'POST tokens/expire':
      sim.expireTokens(shopId);
      return { ok: true };
    case 'POST tokens/revoke':
      sim.revokeAuthorisation(shopId);
      return { ok: true };
    case 'POST auth-code':
      return { code: sim.issueAuthCode(sim.shop(shopId).platformShopId) };
    case 'POST seed/orders':
      return { orders: sim.seedOrders(body.orders ?? [], shopId, { notify: body.notify }).map((o) => o.orderId) };
    case 'POST seed/products':
      return { products: sim.seedProducts(body.products ?? [], shopId).map((p) => p.productId) };
    case 'POST generator/start':
      sim.startGenerator(Number(body.ratePerSec), body.shopIds);
      return sim.generator.stats();
    case 'POST generator/stop':
      sim.stopGenerator();
      return sim.generator.stats();
    case 'POST generator/burst':
      void sim.burst(body);
      return { ok: true };
    case 'POST push':
      sim.setPush(body);
      return { ok: true };
    default:
      break;
  }
  const orderMatch = /^orders\/([^/]+)(\/transition)?$/.exec(path);
  if (orderMatch && method === 'GET' && !orderMatch[2]) return sim.store.order(orderMatch[1]);
  if (orderMatch && method === 'POST' && orderMatch[2]) {
    const to = body.to as Exclude<SimOrderEvent, 'created'>;
    if (!['paid', 'shipped', 'completed', 'cancelled', 'refunded'].includes(to)) throw new Error(`invalid target status ${String(to)}`);
    return sim.transitionOrder(orderMatch[1], to, body.logistics);
  }
  throw new SimError('not_found', `no admin route ${key}`);
}
