import { Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BreakerRegistry, type BreakerState, upstreamOfKey } from '@app/resilience';
import { ErpLanes } from '../delivery/erp-lanes';

export interface UpstreamBreakers {
  /** `erp` or a platform name */
  upstream: string;
  /** the worst state of its breakers: open > halfOpen > closed (closed when none was used yet) */
  state: BreakerState;
  /** breakers of this upstream this process has used for the merchant (one per shop for a platform) */
  breakers: number;
  open: number;
  halfOpen: number;
  /** ms until the first open one lets a trial call through (0 when none is open) */
  retryAfterMs: number;
}

export interface MerchantBreakers {
  at: string;
  /** breakers live in each process: this is what the answering order-sync instance sees */
  scope: 'instance';
  /** whose ERP breaker is shown: the merchant's own connection's, or the deployment's default ERP */
  erpLane: 'merchant' | 'default';
  upstreams: UpstreamBreakers[];
}

const RANK: Record<BreakerState, number> = { closed: 0, halfOpen: 1, open: 2 };

/**
 * The breakers a merchant's work goes through, per upstream: its ERP lane's and the platform breakers of its own
 * shops (`<platform>:<shopId>` keys, other merchants' shops left out). Memory only, no per-shop detail in the answer.
 */
@Injectable()
export class BreakerStatesService {
  constructor(
    private readonly dataSource: DataSource,
    @Optional() private readonly platformBreakers?: BreakerRegistry,
    @Optional() private readonly lanes?: ErpLanes,
  ) {}

  async forMerchant(merchantId: string): Promise<MerchantBreakers> {
    const shops = (await this.dataSource.query(`SELECT s.id, s.platform FROM core.shops s WHERE s.merchant_id = $1::uuid`, [merchantId])) as { id: string; platform: string }[];
    const byUpstream = new Map<string, UpstreamBreakers>();
    const add = (upstream: string, state: BreakerState, retryAfterMs: number): void => {
      const u = get(upstream);
      u.breakers += 1;
      if (state === 'open') {
        u.open += 1;
        u.retryAfterMs = u.retryAfterMs === 0 ? retryAfterMs : Math.min(u.retryAfterMs, retryAfterMs);
      }
      if (state === 'halfOpen') u.halfOpen += 1;
      if (RANK[state] > RANK[u.state]) u.state = state;
    };
    const get = (upstream: string): UpstreamBreakers => {
      let u = byUpstream.get(upstream);
      if (!u) {
        u = { upstream, state: 'closed', breakers: 0, open: 0, halfOpen: 0, retryAfterMs: 0 };
        byUpstream.set(upstream, u);
      }
      return u;
    };
    // every platform the merchant has a shop on is listed, used or not, and the ERP always
    get('erp');
    for (const s of shops) get(s.platform);
    const own = new Set(shops.map((s) => `${s.platform}:${s.id}`));
    for (const s of this.platformBreakers?.states() ?? []) {
      // a key is `<platform>:<shopId>` or `<platform>:<shopId>:<method>` (per-API breakers)
      const shopKey = s.key.split(':').slice(0, 2).join(':');
      if (own.has(shopKey)) add(upstreamOfKey(s.key), s.state, this.platformBreakers!.retryAfterMs(s.key));
    }
    const erp = this.lanes ? await this.lanes.breakersOf(merchantId) : { lane: 'default' as const, states: [] };
    for (const s of erp.states) add('erp', s.state, s.retryAfterMs);
    return {
      at: new Date().toISOString(),
      scope: 'instance',
      erpLane: erp.lane,
      upstreams: [...byUpstream.values()].sort((a, b) => (a.upstream === 'erp' ? -1 : b.upstream === 'erp' ? 1 : a.upstream.localeCompare(b.upstream))),
    };
  }
}
