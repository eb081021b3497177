import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { addBreakerStateSource } from '@app/observability';
import {
  DEFAULT_ERP_BREAKER,
  ErpConnectionInvalidError,
  ErpConnector,
  createErpConnector,
  erpOptionsFromConnection,
} from '@app/erp';
import { ErpConnectionDirectory, type MerchantErpConnection } from '@app/persistence';
import { OutboundPolicy } from '@app/net';
import { BreakerRegistry } from '@app/resilience';

/**
 * Where one merchant's deliveries go: its own connector and breaker (built from its core.erp_connections row),
 * or the deployment's default ERP (the environment's connector) when it has no row.
 */
export interface ErpLane {
  /** 'default' or the merchant id: for logs and in-process maps, never a metric label */
  readonly key: string;
  /** null: nothing to push (connector `pull`, or `unusable` says why the stored connection cannot be used) */
  readonly connector: ErpConnector | null;
  readonly unusable: string | null;
  readonly maxBatch: number;
}

interface MerchantLane extends ErpLane {
  readonly stamp: string;
  readonly breakers: BreakerRegistry | null;
}

export const DEFAULT_LANE_KEY = 'default';
/** how long a replaced lane's breaker lives on, so calls already in flight through it finish normally */
const RETIRE_AFTER_MS = 65_000;

/**
 * Resolves a merchant to its ERP lane. A lane is rebuilt when the row changes (its `updated_at`), seen within
 * the directory's cache TTL. Each merchant lane owns its breaker (tuned with its timeout): one merchant's ERP
 * opening it never rejects another's calls. The open breakers of every lane are exported as
 * circuit_breaker_open{upstream="erp"} (a count, no merchant label).
 *
 * Without a directory (tests, single-merchant wiring) every merchant uses the default lane.
 */
@Injectable()
export class ErpLanes implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ErpLanes.name);
  private readonly lanes = new Map<string, MerchantLane>();
  private readonly retiring = new Set<NodeJS.Timeout>();
  private offMetrics: (() => void) | null = null;
  readonly defaultLane: ErpLane;

  constructor(
    erp: ErpConnector,
    @Optional() private readonly directory?: ErpConnectionDirectory,
    /** the app's shared registry, whose `erp` breakers (the default connector's) are added to the exported count */
    @Optional() private readonly sharedBreakers?: BreakerRegistry,
    /** the app's outbound URL policy (libs/net): a merchant's ERP URL is checked on every connect */
    @Optional() @Inject(OutboundPolicy) private readonly outbound?: OutboundPolicy,
  ) {
    this.defaultLane = {
      key: DEFAULT_LANE_KEY,
      connector: erp,
      unusable: null,
      get maxBatch() {
        return Math.max(erp.maxBatch, 1);
      },
    };
  }

  /** registered after ResilienceModule's own source (it is a dependency), so this sum is what stays */
  onModuleInit(): void {
    this.offMetrics = addBreakerStateSource((gauge) => {
      const shared = this.sharedBreakers?.openCounts().get('erp') ?? 0;
      gauge.set({ upstream: 'erp' }, shared + this.openBreakers());
    });
  }

  onModuleDestroy(): void {
    this.offMetrics?.();
    for (const t of this.retiring) clearTimeout(t);
    this.retiring.clear();
    for (const lane of this.lanes.values()) lane.breakers?.shutdown();
    this.lanes.clear();
  }

  /** the lane of a merchant (null or unknown merchant: the default lane) */
  async forMerchant(merchantId: string | null): Promise<ErpLane> {
    if (!this.directory || merchantId === null) return this.defaultLane;
    const conn = await this.directory.get(merchantId);
    if (!conn) {
      this.retire(merchantId);
      return this.defaultLane;
    }
    const current = this.lanes.get(merchantId);
    if (current && current.stamp === conn.stamp) return current;
    const lane = this.build(conn);
    this.retire(merchantId);
    this.lanes.set(merchantId, lane);
    this.logger.log(`merchant ${merchantId}: ERP lane ${conn.connector}${lane.unusable ? ` (unusable: ${lane.unusable})` : ''}`);
    return lane;
  }

  /** open breakers over all merchant lanes */
  openBreakers(): number {
    let n = 0;
    for (const lane of this.lanes.values()) for (const open of lane.breakers?.openCounts().values() ?? []) n += open;
    return n;
  }

  private build(conn: MerchantErpConnection): MerchantLane {
    const base = { key: conn.merchantId, stamp: conn.stamp, maxBatch: Math.max(conn.batchSize, 1) };
    let options;
    try {
      options = erpOptionsFromConnection(conn, { outbound: this.outbound });
    } catch (e) {
      if (!(e instanceof ErpConnectionInvalidError)) throw e;
      return { ...base, connector: null, unusable: `ERP connection invalid: ${e.message}`, breakers: null };
    }
    if (options === null) return { ...base, connector: null, unusable: null, breakers: null };
    const breakers = new BreakerRegistry({ requestTimeoutMs: conn.timeoutMs, ...DEFAULT_ERP_BREAKER });
    return { ...base, connector: createErpConnector(options, breakers), unusable: null, breakers };
  }

  private retire(merchantId: string): void {
    const old = this.lanes.get(merchantId);
    if (!old) return;
    this.lanes.delete(merchantId);
    if (!old.breakers) return;
    const t = setTimeout(() => {
      this.retiring.delete(t);
      old.breakers?.shutdown();
    }, RETIRE_AFTER_MS);
    t.unref();
    this.retiring.add(t);
  }
}
