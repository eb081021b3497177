import { Inject, Injectable, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Platform } from '@app/contracts';
import { PlatformAdapterLookup } from '@app/intake';
import { addQuotaNeededSource } from '@app/observability';
import { platformLimitKey } from '@app/platforms';
import { RedisRateLimiter, UsageMeter } from '@app/resilience';
import { OPS_OPTIONS, type OpsOptions } from './ops.options';
import { orderReadsKey } from '../shared/order-reads';

export interface ApiQuotaUse {
  /** the platform's API method */
  api: string;
  role: 'list' | 'detail';
  /** calls per second this shop may make to it (our limiter, the platform's stated quota) */
  quotaPerSec: number;
  /** calls our limiter let through, per second over the last minute (every caller: order path, poller, shipments) */
  usedPerSec: number;
  /** calls our limiter turned away (each is retried later), per second */
  refusedPerSec: number;
  /**
   * calls per second the current order rate needs: the detail API of a platform whose list has no line items
   * needs one call per order change (ordersPerSec); any other API, what was asked of it (used + refused: an
   * upper bound, a refused call counts again when it is retried)
   */
  neededPerSec: number;
  /** orders one call carries (a list page: up to its page size; a detail call: one) */
  ordersPerCall: number;
}

export interface ShopQuotaUse {
  shopId: string;
  platform: Platform;
  /** order changes per second the order path had to read from the platform (first reads; retries not counted) */
  ordersPerSec: number;
  /** orders per second this shop can be read at within its quota: quota x orders per call of the API that carries the lines */
  ceilingOrdersPerSec: number;
  /** some API needs more calls than its quota: the quota is the ceiling, the backlog grows (cause platform_quota) */
  quotaBound: boolean;
  apis: ApiQuotaUse[];
}

const round = (n: number): number => Math.round(n * 100) / 100;
/** the gauge's figures are computed at most this often (a scrape reads every shop's counters) */
const GAUGE_TTL_MS = 5000;

/**
 * How much of each shop's platform quota the order path uses and needs: for ops (GET /ops/queues, the
 * merchant's own shops) and as the gauge `omnisync_platform_quota_needed_ratio{platform,api}` (needed / quota of the
 * shop that needs the most; no shop or merchant labels). Figures come from the UsageMeter (Redis, every
 * process): calls our limiter granted and refused per API and shop, and the order reads the ingest counted.
 */
@Injectable()
export class QuotaUseService implements OnModuleInit, OnModuleDestroy {
  private gaugeCache: { at: number; value: Promise<ShopQuotaUse[]> } | null = null;
  private offMetrics: (() => void) | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly adapters: PlatformAdapterLookup,
    @Inject(OPS_OPTIONS) private readonly opts: OpsOptions,
    @Optional() private readonly limiter?: RedisRateLimiter,
    @Optional() private readonly meter?: UsageMeter,
  ) {}

  /** the gauge's values come from here at each scrape */
  onModuleInit(): void {
    this.offMetrics = addQuotaNeededSource(async (gauge) => {
      const worst = new Map<string, { platform: string; api: string; ratio: number }>();
      for (const shop of await this.allShopsCached()) {
        for (const a of shop.apis) {
          const k = `${shop.platform}|${a.api}`;
          const ratio = a.quotaPerSec > 0 ? a.neededPerSec / a.quotaPerSec : 0;
          if ((worst.get(k)?.ratio ?? -1) < ratio) worst.set(k, { platform: shop.platform, api: a.api, ratio });
        }
      }
      for (const w of worst.values()) gauge.set({ platform: w.platform, api: w.api }, round(w.ratio));
    });
  }

  onModuleDestroy(): void {
    this.offMetrics?.();
  }

  /** the merchant's own shops only */
  async forMerchant(merchantId: string): Promise<ShopQuotaUse[]> {
    const shops: { id: string; platform: Platform }[] = await this.dataSource.query(
      `SELECT id::text AS id, platform FROM core.shops WHERE merchant_id = $1::uuid ORDER BY platform, id`,
      [merchantId],
    );
    return this.forShops(shops);
  }

  private allShopsCached(): Promise<ShopQuotaUse[]> {
    if (!this.gaugeCache || Date.now() - this.gaugeCache.at > GAUGE_TTL_MS) {
      const value = this.dataSource
        .query(`SELECT id::text AS id, platform FROM core.shops ORDER BY platform, id`)
        .then((shops: { id: string; platform: Platform }[]) => this.forShops(shops))
        .catch(() => [] as ShopQuotaUse[]);
      this.gaugeCache = { at: Date.now(), value };
    }
    return this.gaugeCache.value;
  }

  async forShops(shops: { id: string; platform: Platform }[]): Promise<ShopQuotaUse[]> {
    if (!this.limiter || !this.meter) return [];
    const plans = shops.flatMap((s) => {
      const caps = this.adapters.get(s.platform)?.capabilities;
      if (!caps?.orderApis) return [];
      const apis = (['list', 'detail'] as const).map((role) => ({
        role,
        api: caps.orderApis![role],
        key: platformLimitKey(s.platform, s.id, caps.orderApis![role], this.opts.platformQpsScope),
        // a list page carries whole orders only where the list has line items
        ordersPerCall: role === 'list' ? (caps.orderListIncludesDetail ? caps.orderListMaxPageSize : 0) : 1,
      }));
      return [{ shop: s, linesInList: caps.orderListIncludesDetail, apis }];
    });
    const keys = plans.flatMap((p) => [orderReadsKey(p.shop.platform, p.shop.id), ...p.apis.map((a) => a.key)]);
    const rates = await this.meter.rates([...new Set(keys)]);
    return plans.map(({ shop, linesInList, apis }) => {
      const ordersPerSec = rates.get(orderReadsKey(shop.platform, shop.id))?.orders ?? 0;
      const uses: ApiQuotaUse[] = apis.map((a) => {
        const r = rates.get(a.key) ?? {};
        const used = r.granted ?? 0;
        const refused = r.refused ?? 0;
        const needed = a.role === 'detail' && !linesInList ? ordersPerSec : used + refused;
        return {
          api: a.api,
          role: a.role,
          quotaPerSec: this.limiter!.qpsOf(a.key),
          usedPerSec: round(used),
          refusedPerSec: round(refused),
          neededPerSec: round(needed),
          ordersPerCall: a.ordersPerCall,
        };
      });
      const carrier = uses.find((u) => (linesInList ? u.role === 'list' : u.role === 'detail'))!;
      return {
        shopId: shop.id,
        platform: shop.platform,
        ordersPerSec: round(ordersPerSec),
        ceilingOrdersPerSec: round(carrier.quotaPerSec * carrier.ordersPerCall),
        quotaBound: uses.some((u) => u.neededPerSec > u.quotaPerSec),
        apis: uses,
      };
    });
  }
}
