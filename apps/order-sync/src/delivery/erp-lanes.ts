import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { addBreakerStateSource } from '@app/observability';
import {
  DEFAULT_ERP_BREAKER,
  ErpConnectionInvalidError,
  ErpConnector,
  createErpConnector,
  erpBreakerOptions,
  erpOptionsFromConnection,
} from '@app/erp';
import { ERP_BREAKERS } from '@app/erp/erp.module';
import { ErpConnectionDirectory, type MerchantErpConnection } from '@app/persistence';
import { OutboundPolicy } from '@app/net';
import { BreakerRegistry, type BreakerState } from '@app/resilience';

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
  /** the bounds the delivery's adaptive concurrency and time limit stay within */
  readonly calls: ErpLaneCalls;
}

export interface ErpLaneCalls {
  /** ERP calls in flight at most: the merchant's (erp_connections.max_in_flight) or the deployment's maximum, never more than the connector's sockets */
  maxInFlight: number;
  /** a call's time limit while the ERP answers fast (the connection's / ERP_TIMEOUT_MS) */
  timeoutMs: number;
  /** how far the limit stretches for a slow ERP (ERP_TIMEOUT_MAX_MS) */
  timeoutMaxMs: number;
  /** an answer slower than this is a slow call (the breaker counts it as a failure; the limit holds) */
  slowCallMs: number;
}

/** Deployment-wide ERP call settings (env), for every lane. */
export interface ErpLaneSettings {
  /** ERP_MAX_IN_FLIGHT: calls in flight per merchant ERP at most */
  maxInFlight: number;
  /** ERP_TIMEOUT_MAX_MS: the longest time limit a call is given when the ERP is slow */
  timeoutMaxMs: number;
}

export const ERP_LANE_SETTINGS = Symbol('ERP_LANE_SETTINGS');
export const DEFAULT_ERP_LANE_SETTINGS: ErpLaneSettings = { maxInFlight: 32, timeoutMaxMs: 25_000 };
/** sockets beyond maxInFlight for the calls the limit does not gate (interceptions, shipment notices) */
export const SPARE_ERP_SOCKETS = 4;

/** a lane's call bounds from its connector's limits */
function laneCalls(erp: ErpConnector, maxInFlight: number): ErpLaneCalls {
  return {
    maxInFlight: Math.max(1, Math.min(maxInFlight, erp.limits.maxSockets)),
    timeoutMs: erp.limits.timeoutMs,
    timeoutMaxMs: erp.limits.timeoutMaxMs,
    slowCallMs: DEFAULT_ERP_BREAKER.slowCallMs,
  };
}

interface MerchantLane extends ErpLane {
  readonly stamp: string;
  readonly breakers: BreakerRegistry | null;
  readonly offLog?: () => void;
}

export const DEFAULT_LANE_KEY = 'default';

/** one ERP breaker of a merchant's lane, for GET /ops/breakers (the gateway's alert "breaker open longer than N s") */
export interface ErpBreakerStatus {
  upstream: 'erp';
  /** 'default': the deployment's ERP (shared by the merchants without a connection of their own); else the merchant's own */
  lane: string;
  state: 'open' | 'halfOpen' | 'closed';
  /**
   * ISO-8601: since when this breaker has not closed — its first opening since it was last closed (a failed
   * half-open trial that opens it again does not restart the clock); null while closed
   */
  openSince: string | null;
}
/** how long a replaced lane's breaker lives on, so calls already in flight through it finish normally */
const RETIRE_AFTER_MS = 65_000;

/**
 * Resolves a merchant to its ERP lane. A lane is rebuilt when the row changes (its `updated_at`), seen within
 * the directory's cache TTL. Each merchant lane owns its breaker (tuned with its timeout): one merchant's ERP
 * opening it never rejects another's calls. The open breakers of every lane are exported as
 * omnisync_circuit_breakers_open{upstream="erp"} (a count, no merchant label).
 *
 * Without a directory (tests, single-merchant wiring) every merchant uses the default lane.
 */
@Injectable()
export class ErpLanes implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ErpLanes.name);
  private readonly lanes = new Map<string, MerchantLane>();
  private readonly retiring = new Set<NodeJS.Timeout>();
  private offMetrics: (() => void) | null = null;
  private offDefaultLog: (() => void) | null = null;
  /** `<lane>|<breaker key>` -> ms since epoch of the first opening since it was last closed */
  private readonly openSince = new Map<string, number>();
  readonly defaultLane: ErpLane;
  private readonly settings: ErpLaneSettings;

  constructor(
    erp: ErpConnector,
    @Optional() private readonly directory?: ErpConnectionDirectory,
    /** the default connector's breakers (ErpModule's ERP_BREAKERS): added to the exported count, state changes logged */
    @Optional() @Inject(ERP_BREAKERS) private readonly defaultBreakers?: BreakerRegistry,
    /** the app's outbound URL policy (libs/net): a merchant's ERP URL is checked on every connect */
    @Optional() @Inject(OutboundPolicy) private readonly outbound?: OutboundPolicy,
    @Optional() @Inject(ERP_LANE_SETTINGS) settings?: ErpLaneSettings,
  ) {
    this.settings = settings ?? DEFAULT_ERP_LANE_SETTINGS;
    const calls = laneCalls(erp, this.settings.maxInFlight);
    this.defaultLane = {
      key: DEFAULT_LANE_KEY,
      connector: erp,
      unusable: null,
      get maxBatch() {
        return Math.max(erp.maxBatch, 1);
      },
      calls,
    };
  }

  /** registered after ResilienceModule's own source (it is a dependency), so this sum is what stays */
  onModuleInit(): void {
    this.offMetrics = addBreakerStateSource((gauge) => {
      const defaults = this.defaultBreakers?.openCounts().get('erp') ?? 0;
      gauge.set({ upstream: 'erp' }, defaults + this.openBreakers());
    });
    if (this.defaultBreakers) this.offDefaultLog = this.logStateChanges(DEFAULT_LANE_KEY, this.defaultBreakers);
  }

  onModuleDestroy(): void {
    this.offMetrics?.();
    this.offDefaultLog?.();
    for (const t of this.retiring) clearTimeout(t);
    this.retiring.clear();
    for (const lane of this.lanes.values()) {
      lane.offLog?.();
      lane.breakers?.shutdown();
    }
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

  /**
   * The breakers a merchant's deliveries go through, as this process sees them (breakers live in each process):
   * its own lane's, or the default ERP's when it has no connection of its own; none for a `pull` or unusable
   * connection (nothing is called).
   */
  async breakersOf(merchantId: string): Promise<{ lane: 'merchant' | 'default'; states: { key: string; state: BreakerState; retryAfterMs: number }[] }> {
    const lane = await this.forMerchant(merchantId);
    const registry = lane === this.defaultLane ? (this.defaultBreakers ?? null) : (this.lanes.get(merchantId)?.breakers ?? null);
    const states = registry ? registry.states().map((s) => ({ key: s.key, state: s.state, retryAfterMs: registry.retryAfterMs(s.key) })) : [];
    return { lane: lane === this.defaultLane ? 'default' : 'merchant', states };
  }

  /** open breakers over all merchant lanes */
  openBreakers(): number {
    let n = 0;
    for (const lane of this.lanes.values()) for (const open of lane.breakers?.openCounts().values() ?? []) n += open;
    return n;
  }

  /** logs a lane's breaker opening (and why), half-opening and closing: the ops view of an ERP outage */
  /** the ERP breakers of the lane a merchant's deliveries use, with how long each has been open (this process's view) */
  async breakerStatus(merchantId: string): Promise<ErpBreakerStatus[]> {
    const lane = await this.forMerchant(merchantId);
    const own = this.lanes.get(merchantId);
    const laneKey = lane === this.defaultLane ? DEFAULT_LANE_KEY : merchantId;
    const registry = lane === this.defaultLane ? this.defaultBreakers : own?.breakers;
    if (!registry) return [];
    return registry.states().map((b) => {
      const since = this.openSince.get(`${laneKey}|${b.key}`);
      return { upstream: 'erp' as const, lane: laneKey, state: b.state, openSince: b.state !== 'closed' && since !== undefined ? new Date(since).toISOString() : null };
    });
  }

  private logStateChanges(lane: string, breakers: BreakerRegistry): () => void {
    return breakers.onStateChange(({ key, state, cause }) => {
      const spell = `${lane}|${key}`;
      if (state === 'open' && !this.openSince.has(spell)) this.openSince.set(spell, Date.now());
      if (state === 'closed') this.openSince.delete(spell);
      if (state === 'open') this.logger.warn(`ERP breaker ${key} of lane ${lane} open (after ${cause})`);
      else this.logger.log(`ERP breaker ${key} of lane ${lane} ${state === 'halfOpen' ? 'half-open: one trial call' : 'closed'}`);
    });
  }

  private build(conn: MerchantErpConnection): MerchantLane {
    const base = { key: conn.merchantId, stamp: conn.stamp, maxBatch: Math.max(conn.batchSize, 1) };
    const pending = { maxInFlight: 1, timeoutMs: conn.timeoutMs, timeoutMaxMs: conn.timeoutMs, slowCallMs: DEFAULT_ERP_BREAKER.slowCallMs };
    // the merchant's own cap, else the deployment's
    const maxInFlight = conn.maxInFlight ?? this.settings.maxInFlight;
    let options;
    try {
      options = erpOptionsFromConnection(conn, {
        outbound: this.outbound,
        timeoutMaxMs: Math.max(conn.timeoutMs, this.settings.timeoutMaxMs),
        maxSockets: maxInFlight + SPARE_ERP_SOCKETS,
      });
    } catch (e) {
      if (!(e instanceof ErpConnectionInvalidError)) throw e;
      return { ...base, calls: pending, connector: null, unusable: `ERP connection invalid: ${e.message}`, breakers: null };
    }
    if (options === null) return { ...base, calls: pending, connector: null, unusable: null, breakers: null };
    const breakers = new BreakerRegistry(erpBreakerOptions(options));
    const off = this.logStateChanges(conn.merchantId, breakers);
    const connector = createErpConnector(options, breakers);
    return { ...base, calls: laneCalls(connector, maxInFlight), connector, unusable: null, breakers, offLog: off };
  }

  private retire(merchantId: string): void {
    const old = this.lanes.get(merchantId);
    if (!old) return;
    this.lanes.delete(merchantId);
    if (!old.breakers) return;
    const t = setTimeout(() => {
      this.retiring.delete(t);
      old.offLog?.();
      old.breakers?.shutdown();
    }, RETIRE_AFTER_MS);
    t.unref();
    this.retiring.add(t);
  }
}
