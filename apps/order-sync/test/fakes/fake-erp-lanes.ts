import type { ErpConnector } from '@app/erp';
import { ErpLanes, type ErpLane, type ErpLaneCalls } from '../../src/delivery/erp-lanes';

/**
 * ErpLanes without the connection directory: merchants are given their lane by hand (their own connector,
 * `pull`, or an unusable connection); the others use the default lane. Setting a merchant's lane again is a
 * changed connection (a new lane object), as the real class does when the stored row changes.
 */
export class FakeErpLanes extends ErpLanes {
  private readonly own = new Map<string, ErpLane>();

  constructor(defaultErp: ErpConnector) {
    super(defaultErp);
  }

  /** the merchant's own ERP, with its call bounds (defaults: the connector's limits, 32 calls in flight) */
  useConnector(merchantId: string, connector: ErpConnector, calls: Partial<ErpLaneCalls> = {}): ErpLane {
    return this.set(merchantId, {
      key: merchantId,
      connector,
      unusable: null,
      maxBatch: Math.max(connector.maxBatch, 1),
      calls: { maxInFlight: 32, timeoutMs: connector.limits.timeoutMs, timeoutMaxMs: connector.limits.timeoutMaxMs, slowCallMs: 20_000, ...calls },
    });
  }

  /** connector `pull`: the merchant's ERP reads its orders through GET /erp/orders */
  usePull(merchantId: string): ErpLane {
    return this.set(merchantId, { key: merchantId, connector: null, unusable: null, maxBatch: 50, calls: this.defaultLane.calls });
  }

  /** a stored connection that cannot be used, with why */
  useUnusable(merchantId: string, reason: string): ErpLane {
    return this.set(merchantId, { key: merchantId, connector: null, unusable: reason, maxBatch: 50, calls: this.defaultLane.calls });
  }

  override async forMerchant(merchantId: string | null): Promise<ErpLane> {
    return (merchantId !== null ? this.own.get(merchantId) : undefined) ?? this.defaultLane;
  }

  private set(merchantId: string, lane: ErpLane): ErpLane {
    this.own.set(merchantId, lane);
    return lane;
  }
}
