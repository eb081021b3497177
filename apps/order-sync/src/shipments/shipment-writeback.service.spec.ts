import { UpstreamError } from '@app/contracts';
import type { ErpShipmentNotice } from '@app/erp';
import { sampleOrder } from '@app/erp/testing/erp-fixtures';
import { FakeErpConnector, FakeErpLanes, FakePlatformAdapter, FakeShipmentsRepository, FakeShopDirectory, type FakeShipmentOrder } from '../../test/fakes';
import { ShipmentWritebackService } from './shipment-writeback.service';
import { DEFAULT_SHIPMENTS_OPTIONS } from './shipments.options';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

/** an ERP that can refuse a shipment notice for good */
class NoticeErp extends FakeErpConnector {
  noticeRefusal: UpstreamError | null = null;
  override async notifyShipment(n: ErpShipmentNotice): Promise<void> {
    if (this.noticeRefusal) throw this.noticeRefusal;
    return super.notifyShipment(n);
  }
}

function setup() {
  const repo = new FakeShipmentsRepository();
  const adapter = new FakePlatformAdapter('douyin');
  const shops = new FakeShopDirectory();
  for (const m of [A, B]) shops.addShop({ shopId: `shop-of-${m}`, platform: 'douyin', platformShopId: `dy-${m}`, appKey: `k-${m}`, appSecret: 's' });
  const erp = new NoticeErp();
  const lanes = new FakeErpLanes(erp);
  const sut = new ShipmentWritebackService(repo, { get: () => adapter }, shops, erp, DEFAULT_SHIPMENTS_OPTIONS, lanes);
  let n = 0;
  const order = (p: Partial<FakeShipmentOrder> = {}): FakeShipmentOrder => repo.addOrder({ id: `o-${++n}`, merchantId: A, ...p });
  return { repo, adapter, shops, erp, lanes, sut, order };
}

describe(ShipmentWritebackService.name, () => {
  it('ships a pending shipment: one platform call, the row shipped under its lease, the ERP told', async () => {
    const t = setup();
    const s = t.repo.addShipment(t.order(), { line_ids: ['L1'] });

    await expect(t.sut.ship(s.id)).resolves.toEqual({ kind: 'done' });
    expect(t.adapter.shipCalls).toEqual([{ platformOrderId: s.platform_order_id, trackingNo: s.tracking_no, carrierCode: 'shunfeng', lineIds: ['L1'] }]);
    expect(t.repo.shipment(s.id)).toMatchObject({ status: 'shipped', last_error: null, attempts: 1 });
    expect(t.repo.shipment(s.id).shipped_at).not.toBeNull();
    expect(t.repo.shipment(s.id).next_attempt_at.getTime()).toBe(t.repo.clock.t + DEFAULT_SHIPMENTS_OPTIONS.leaseSec * 1000);
    expect(t.erp.shipmentNotices).toEqual([{ orderId: s.order_id, platformOrderId: s.platform_order_id, outcome: 'shipped', message: `shipped with shunfeng ${s.tracking_no}` }]);
    expect(t.repo.shipment(s.id).erp_notified_at).not.toBeNull();
    expect(t.sut.stats.platformCalls).toBe(1);
  });

  it('a refund known before the call blocks it: no platform call, blocked_by_refund, the ERP told', async () => {
    const t = setup();
    const s = t.repo.addShipment(t.order({ status: 'paid', refundStatus: 'requested' }));

    await expect(t.sut.ship(s.id)).resolves.toEqual({ kind: 'done' });
    expect(t.adapter.shipAttempts).toBe(0);
    expect(t.repo.shipment(s.id).status).toBe('blocked_by_refund');
    expect(t.repo.shipment(s.id).last_error).toBe('order is paid (refund requested); shipment not written back to douyin');
    expect(t.erp.shipmentNotices.map((x) => x.outcome)).toEqual(['blocked_by_refund']);
  });

  describe('a platform refusal', () => {
    it('caused by a refund the platform heard of first (its order re-read) is blocked_by_refund', async () => {
      const t = setup();
      const o = t.order();
      t.adapter.put(sampleOrder({ platformOrderId: o.platformOrderId, status: 'refunded', refundStatus: 'refunded' }));
      const s = t.repo.addShipment(o);

      await expect(t.sut.ship(s.id)).resolves.toEqual({ kind: 'done' });
      expect(t.repo.shipment(s.id).status).toBe('blocked_by_refund');
      expect(t.repo.shipment(s.id).last_error).toMatch(/^order is refunded \(refund refunded\) on douyin; douyin refused the shipment: /);
      expect(t.repo.calls).toContain('orderState');
      expect(t.erp.shipmentNotices.map((x) => x.outcome)).toEqual(['blocked_by_refund']);
    });

    it('caused by a refund ingested while the call was in flight (our order re-read first) is blocked_by_refund without asking the platform', async () => {
      const t = setup();
      const o = t.order();
      const s = t.repo.addShipment(o);
      t.adapter.ship = async () => {
        o.status = 'refunding';
        throw new UpstreamError('douyin', 'invalid_request', 'cannot ship');
      };

      await expect(t.sut.ship(s.id)).resolves.toEqual({ kind: 'done' });
      expect(t.repo.shipment(s.id).status).toBe('blocked_by_refund');
      expect(t.adapter.calls.getOrder).toBe(0);
    });

    it("when the order cannot be re-read, the refusal's text decides: a refund word blocks, anything else fails for good", async () => {
      const t = setup();
      const refund = t.repo.addShipment(t.order());
      t.adapter.shipFailures.push(new UpstreamError('douyin', 'invalid_request', '订单已退款'));
      await expect(t.sut.ship(refund.id)).resolves.toEqual({ kind: 'done' });
      expect(t.repo.shipment(refund.id).status).toBe('blocked_by_refund');

      const other = t.repo.addShipment(t.order());
      t.adapter.shipFailures.push(new UpstreamError('douyin', 'invalid_request', 'tracking number malformed'));
      const out = await t.sut.ship(other.id);
      expect(out).toEqual({ kind: 'failed', reason: 'douyin: invalid_request: tracking number malformed' });
      expect(t.repo.shipment(other.id)).toMatchObject({ status: 'failed', last_error: 'douyin: invalid_request: tracking number malformed' });
      expect(t.erp.shipmentNotices.map((x) => x.outcome)).toEqual(['blocked_by_refund', 'failed']);
    });
  });

  it("a retryable platform error backs off by its hint without the ERP hearing anything; the row stays pending", async () => {
    const t = setup();
    const s = t.repo.addShipment(t.order());
    t.adapter.shipFailures.push(new UpstreamError('douyin', 'rate_limited', 'QPS', { retryAfterMs: 2000 }));

    await expect(t.sut.ship(s.id)).resolves.toMatchObject({ kind: 'delay', ms: 2000 });
    expect(t.repo.shipment(s.id)).toMatchObject({ status: 'pending', next_attempt_at: new Date(t.repo.clock.t + 2000) });
    expect(t.repo.shipment(s.id).last_error).toContain('QPS');
    expect(t.erp.shipmentNotices).toHaveLength(0);
  });

  it('an unclassified error releases the lease at once and propagates', async () => {
    const t = setup();
    const s = t.repo.addShipment(t.order());
    t.adapter.ship = async () => {
      throw new Error('adapter bug');
    };
    await expect(t.sut.ship(s.id)).rejects.toThrow('adapter bug');
    expect(t.repo.shipment(s.id)).toMatchObject({ status: 'pending', next_attempt_at: new Date(t.repo.clock.t) });
  });

  it('a shop missing from the directory fails the shipment for good, and the ERP hears it', async () => {
    const t = setup();
    const s = t.repo.addShipment(t.order({ shopId: 'gone' }));
    await expect(t.sut.ship(s.id)).resolves.toEqual({ kind: 'failed', reason: 'shop gone is not in the shop directory' });
    expect(t.repo.shipment(s.id).status).toBe('failed');
    expect(t.erp.shipmentNotices.map((x) => x.outcome)).toEqual(['failed']);
  });

  describe('the ERP notice', () => {
    it('failing retryably delays the job; the next run only re-sends the notice, never the platform call', async () => {
      const t = setup();
      const s = t.repo.addShipment(t.order());
      t.erp.down = true;
      t.erp.downRetryAfterMs = 700;

      await expect(t.sut.ship(s.id)).resolves.toMatchObject({ kind: 'delay', ms: 700 });
      expect(t.repo.shipment(s.id)).toMatchObject({ status: 'shipped', erp_notified_at: null });

      t.erp.down = false;
      await expect(t.sut.ship(s.id)).resolves.toEqual({ kind: 'done' });
      expect(t.adapter.shipAttempts).toBe(1);
      expect(t.erp.shipmentNotices.map((x) => x.outcome)).toEqual(['shipped']);
      expect(t.repo.shipment(s.id).erp_notified_at).not.toBeNull();
    });

    it('refused by the ERP fails the job (the row stays shipped)', async () => {
      const t = setup();
      const s = t.repo.addShipment(t.order());
      t.erp.noticeRefusal = new UpstreamError('erp', 'invalid_request', 'unknown order');
      await expect(t.sut.ship(s.id)).resolves.toMatchObject({ kind: 'failed', reason: expect.stringMatching(/^ERP refused the shipment notice: .*unknown order/) });
      expect(t.repo.shipment(s.id)).toMatchObject({ status: 'shipped', erp_notified_at: null });
    });

    it("goes to the order's merchant's own ERP; a `pull` merchant has nobody to tell; an unusable connection waits 30 s", async () => {
      const t = setup();
      const erpA = new FakeErpConnector();
      t.lanes.useConnector(A, erpA);
      t.lanes.usePull(B);
      const a = t.repo.addShipment(t.order({ merchantId: A }));
      const b = t.repo.addShipment(t.order({ merchantId: B, shopId: `shop-of-${B}` }));

      await expect(t.sut.ship(a.id)).resolves.toEqual({ kind: 'done' });
      await expect(t.sut.ship(b.id)).resolves.toEqual({ kind: 'done' });
      expect(erpA.shipmentNotices.map((x) => x.orderId)).toEqual([a.order_id]);
      expect(t.erp.shipmentNotices).toHaveLength(0);
      expect(t.repo.shipment(b.id)).toMatchObject({ status: 'shipped', erp_notified_at: null });

      t.lanes.useUnusable(A, 'ERP connection invalid: no URL');
      const a2 = t.repo.addShipment(t.order({ merchantId: A }));
      await expect(t.sut.ship(a2.id)).resolves.toEqual({ kind: 'delay', ms: 30_000, reason: 'ERP shipment notice: ERP connection invalid: no URL' });
    });
  });

  it('a shipment the job cannot take settles by its state: leased or backing off waits until due, a final one reports, an unknown one fails', async () => {
    const t = setup();
    const o = t.order();
    const leased = t.repo.addShipment(o, { next_attempt_at: new Date(t.repo.clock.t + 5000) });
    const failed = t.repo.addShipment(o, { status: 'failed', last_error: 'bad tracking', erp_notified_at: new Date() });
    const shipped = t.repo.addShipment(o, { status: 'shipped', erp_notified_at: new Date() });

    await expect(t.sut.ship(leased.id)).resolves.toEqual({ kind: 'delay', ms: 5100, reason: 'shipment leased or backing off' });
    await expect(t.sut.ship(failed.id)).resolves.toEqual({ kind: 'failed', reason: 'bad tracking' });
    await expect(t.sut.ship(shipped.id)).resolves.toEqual({ kind: 'done' });
    await expect(t.sut.ship('nope')).resolves.toEqual({ kind: 'failed', reason: 'shipment nope not found' });
    expect(t.adapter.shipAttempts).toBe(0);
    expect(t.erp.shipmentNotices).toHaveLength(0);
  });
});
