import { randomUUID } from 'node:crypto';
import type { Platform } from '@app/contracts';
import type { ShopContext } from '@app/platforms';
import type { ContractBackend, FailNextTarget, InjectedFault, ReceivedCall, SeedOrder, SeedProduct } from '../../platforms/test/contract/contract-backend';
import type { SimulatorOptions } from '../src/core/types';
import { startSimulator, type AnySimulator } from '../src/start';

/** ContractBackend over a real simulator on 127.0.0.1 (random port). */
export class SimulatorBackend implements ContractBackend {
  readonly name = 'simulator' as const;
  private readonly shopId = randomUUID();

  constructor(readonly sim: AnySimulator) {}

  get platform(): Platform {
    return this.sim.platform;
  }

  shop(): ShopContext {
    const s = this.sim.shop();
    const rec = this.sim.store.tokenRecord(s.accessToken);
    return {
      shopId: this.shopId,
      platform: this.sim.platform,
      platformShopId: s.platformShopId,
      baseUrl: this.sim.url,
      credentials: {
        appKey: s.appKey,
        appSecret: s.appSecret,
        accessToken: s.accessToken,
        refreshToken: s.refreshToken,
        accessTokenExpiresAt: rec ? new Date(rec.expiresAt) : null,
      },
      // the shop's setting Taobao's item.add sends
      location: { state: '浙江', city: '杭州' },
    };
  }

  async seedOrders(orders: SeedOrder[]): Promise<void> {
    this.sim.seedOrders(orders);
  }

  async seedProduct(product: SeedProduct): Promise<void> {
    this.sim.seedProducts([product]);
  }

  async failNext(fault: InjectedFault, times = 1, target: FailNextTarget = {}): Promise<void> {
    this.sim.failNext(fault, times, target);
  }

  async expireAccessToken(): Promise<void> {
    this.sim.expireTokens(this.sim.shop().platformShopId);
  }

  async received(method?: string): Promise<ReceivedCall[]> {
    return this.sim.requests(method).map((e) => ({ method: e.method, params: e.params }));
  }

  async close(): Promise<void> {
    await this.sim.close();
  }
}

/** Starts a simulator for `platform` and wraps it; an empty catalogue unless opts.products says otherwise. */
export async function createSimulatorBackend(platform: Platform, opts: SimulatorOptions = {}): Promise<SimulatorBackend> {
  const sim = await startSimulator(platform, { products: 0, qps: null, ...opts });
  return new SimulatorBackend(sim);
}

/** `makeBackend` factory for run<Platform>Contract('simulator', ...) */
export function simulatorBackendFactory(platform: Platform, opts: SimulatorOptions = {}): () => Promise<ContractBackend> {
  return () => createSimulatorBackend(platform, opts);
}
