import type { Rng } from './rng';
import type { SimStore } from './store';
import type { SimOrder } from './types';

export interface GeneratedOrderRecord {
  orderId: string;
  shopId: string;
  /** pay time, ms since epoch — the start of the pay -> ERP latency clock */
  paidAt: number;
}

export interface BurstOptions {
  count?: number;
  /** orders per second; omitted = as fast as possible */
  ratePerSec?: number;
  /** with ratePerSec: run for this long instead of `count` orders */
  durationSec?: number;
  shopIds?: string[];
}

export interface GeneratorStats {
  running: boolean;
  ratePerSec: number;
  generated: number;
  bursts: number;
}

const TICK_MS = 20;
const CHUNK = 250;

/**
 * Makes paid orders (1-3 lines of the shop's SKUs) at a steady rate and in flash-sale bursts.
 * Each order's pay time is recorded so a benchmark can measure pay -> ERP latency.
 */
export class OrderGenerator {
  private steady: { timer: NodeJS.Timeout; rate: number; startedAt: number; made: number; shopIds?: string[] } | null = null;
  private burstTimers = new Set<NodeJS.Timeout>();
  private shopCursor = 0;
  readonly records: GeneratedOrderRecord[] = [];
  private generated = 0;
  private bursts = 0;
  /** the share of generated orders that redeem one of the shop's live merchant coupons (when it has one) */
  couponRate = 0;

  constructor(
    private readonly store: SimStore,
    private readonly rng: Rng,
    private readonly opts: { emitCreated?: boolean; recordLimit?: number } = {},
  ) {}

  start(ratePerSec: number, shopIds?: string[]): void {
    if (!(ratePerSec > 0)) throw new Error('ratePerSec must be > 0');
    this.stop();
    const startedAt = Date.now();
    const state = { timer: setInterval(() => this.tickSteady(), TICK_MS), rate: ratePerSec, startedAt, made: 0, shopIds };
    state.timer.unref();
    this.steady = state;
  }

  stop(): void {
    if (this.steady) clearInterval(this.steady.timer);
    this.steady = null;
    for (const t of this.burstTimers) clearInterval(t);
    this.burstTimers.clear();
  }

  /** Starts a burst; resolves when all its orders are made. */
  burst(o: BurstOptions): Promise<number> {
    this.bursts++;
    if (o.ratePerSec && o.ratePerSec > 0) {
      const total = o.durationSec !== undefined ? Math.round(o.ratePerSec * o.durationSec) : o.count ?? 0;
      const rate = o.ratePerSec;
      const startedAt = Date.now();
      let made = 0;
      return new Promise((resolve) => {
        const timer = setInterval(() => {
          const due = Math.min(total, Math.floor((rate * (Date.now() - startedAt)) / 1000) + 1);
          while (made < due) {
            this.makeOne(o.shopIds);
            made++;
          }
          if (made >= total) {
            clearInterval(timer);
            this.burstTimers.delete(timer);
            resolve(made);
          }
        }, TICK_MS);
        this.burstTimers.add(timer);
      });
    }
    const total = o.count ?? 0;
    let made = 0;
    return new Promise((resolve) => {
      const step = () => {
        const end = Math.min(total, made + CHUNK);
        while (made < end) {
          this.makeOne(o.shopIds);
          made++;
        }
        if (made < total) setImmediate(step);
        else resolve(made);
      };
      step();
    });
  }

  stats(): GeneratorStats {
    return { running: this.steady !== null, ratePerSec: this.steady?.rate ?? 0, generated: this.generated, bursts: this.bursts };
  }

  /** Makes one paid order now (also used directly by tests and the admin API). */
  makeOne(shopIds?: string[]): SimOrder | null {
    const shops = shopIds ?? [...this.store.shops.keys()];
    if (shops.length === 0) return null;
    const shopId = shops[this.shopCursor++ % shops.length];
    const skus = this.store.shopSkus(shopId);
    if (skus.length === 0) return null;
    const lines = this.rng.int(1, Math.min(3, skus.length));
    const chosen = new Set<number>();
    while (chosen.size < lines) chosen.add(this.rng.int(0, skus.length - 1));
    const now = Date.now();
    const items = [...chosen].map((i) => ({ skuId: skus[i].skuId, quantity: this.rng.int(1, 3) }));
    const goods = items.reduce((a, it) => a + this.store.sku(it.skuId).priceFen * it.quantity, 0);
    // a coupon redeemed the way a buyer would: one the shop offers now whose threshold the goods reach
    let coupon: { couponId: string; amountFen: number } | null = null;
    if (this.couponRate > 0 && this.rng.next() < this.couponRate) {
      const usable = this.store.redeemableCoupons(shopId, now).filter((c) => Math.round(c.conditionYuan * 100) <= goods && Math.round(c.denominationYuan * 100) > 0 && Math.round(c.denominationYuan * 100) < goods);
      if (usable.length > 0) {
        const c = this.rng.pick(usable);
        c.used = (c.used ?? 0) + 1;
        coupon = { couponId: c.couponId, amountFen: Math.round(c.denominationYuan * 100) };
      }
    }
    const otherDiscount = this.rng.next() < 0.3 ? this.rng.pick([300, 500, 1000]) : 0;
    const order = this.store.createOrder(
      {
        shopId,
        status: 'paid',
        createdAt: now - this.rng.int(1, 20) * 1000,
        paidAt: now,
        updatedAt: now,
        items,
        shippingFen: this.rng.next() < 0.6 ? 0 : this.rng.pick([600, 800, 1000]),
        discountFen: Math.min(goods - 1, (coupon?.amountFen ?? 0) + otherDiscount),
        buyerNick: `buyer_${this.rng.digits(6)}`,
        generated: true,
        coupon,
      },
      { emit: true, emitCreated: this.opts.emitCreated ?? false },
    );
    for (const it of items) {
      const sku = this.store.sku(it.skuId);
      sku.stock = Math.max(0, sku.stock - it.quantity);
    }
    this.generated++;
    this.records.push({ orderId: order.orderId, shopId, paidAt: now });
    const limit = this.opts.recordLimit ?? 1_000_000;
    if (this.records.length > limit) this.records.splice(0, this.records.length - limit);
    return order;
  }

  private tickSteady(): void {
    const s = this.steady;
    if (!s) return;
    const due = Math.floor((s.rate * (Date.now() - s.startedAt)) / 1000);
    while (s.made < due) {
      this.makeOne(s.shopIds);
      s.made++;
    }
  }
}
