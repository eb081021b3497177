import { NotFoundException } from '@nestjs/common';
import { FakeShipmentJobs, FakeShipmentsRepository } from '../../test/fakes';
import type { ShipmentItemDto } from './dto/erp-shipments.dto';
import { ShipmentIntakeService } from './shipment-intake.service';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

function setup() {
  const repo = new FakeShipmentsRepository();
  const jobs = new FakeShipmentJobs();
  const sut = new ShipmentIntakeService(repo, jobs);
  const oa = repo.addOrder({ id: 'oa', merchantId: A, platformOrderId: 'P-1' });
  const ob = repo.addOrder({ id: 'ob', merchantId: B, platformOrderId: 'P-2' });
  return { repo, jobs, sut, oa, ob };
}

const item = (p: Partial<ShipmentItemDto>): ShipmentItemDto => ({ trackingNo: 'SF1', carrierCode: 'shunfeng', ...p }) as ShipmentItemDto;

describe(ShipmentIntakeService.name, () => {
  it('records new shipments, answers each item in request order and enqueues one job per pending shipment', async () => {
    const t = setup();
    const out = await t.sut.create(A, [
      item({ orderId: 'oa', shipmentId: 'E1', lineIds: ['L1', 'L1', 'L2'] }),
      item({ platform: 'douyin', platformOrderId: 'P-1', trackingNo: 'SF2' }),
      item({ orderId: 'unknown' }),
    ]);
    expect(out.enqueued).toBe(true);
    expect(out.results.map((r) => [r.index, r.status, r.duplicate, r.orderId])).toEqual([
      [0, 'pending', false, 'oa'],
      [1, 'pending', false, 'oa'],
      [2, 'not_found', false, null],
    ]);
    // line ids deduped before they are stored
    expect(t.repo.shipment(out.results[0].shipmentId!).line_ids).toEqual(['L1', 'L2']);
    expect(t.jobs.added).toEqual(out.results.slice(0, 2).map((r) => `ship-${r.shipmentId}`));
  });

  it("another merchant's order is not_found; the platform order id is not looked up when our order id names the order", async () => {
    const t = setup();
    const insert = jest.spyOn(t.repo, 'insert');
    const out = await t.sut.create(A, [item({ orderId: 'ob' }), item({ orderId: 'oa', platformOrderId: 'P-2' })]);
    expect(insert.mock.calls[0][1][1]).toMatchObject({ orderId: 'oa', platformOrderId: null });
    expect(out.results.map((r) => [r.status, r.orderId])).toEqual([
      ['not_found', null],
      ['pending', 'oa'],
    ]);
    expect(t.repo.shipments.size).toBe(1);
  });

  it('a resend is a duplicate of the row already known, and a still-pending one gets its job again', async () => {
    const t = setup();
    const first = await t.sut.create(A, [item({ orderId: 'oa', shipmentId: 'E1' })]);
    const again = await t.sut.create(A, [item({ orderId: 'oa', shipmentId: 'E1' })]);
    expect(again.results[0]).toMatchObject({ shipmentId: first.results[0].shipmentId, duplicate: true, status: 'pending' });
    expect(t.repo.shipments.size).toBe(1);
    expect(t.jobs.added).toHaveLength(2);
  });

  it('a failed enqueue is reported, not thrown (the sweeper re-adds the pending rows)', async () => {
    const t = setup();
    t.jobs.failAdds = true;
    const out = await t.sut.create(A, [item({ orderId: 'oa' })]);
    expect(out).toMatchObject({ enqueued: false, results: [{ status: 'pending' }] });
  });

  it("lists an order's shipments to its merchant only; an unknown or another merchant's order is 404", async () => {
    const t = setup();
    await t.sut.create(A, [item({ orderId: 'oa', trackingNo: 'SF1' }), item({ orderId: 'oa', trackingNo: 'SF2' })]);
    const list = await t.sut.listForOrder(A, 'oa');
    expect(list.shipments.map((s) => s.trackingNo)).toEqual(['SF1', 'SF2']);
    await expect(t.sut.listForOrder(B, 'oa')).rejects.toBeInstanceOf(NotFoundException);
    await expect(t.sut.listForOrder(A, 'nope')).rejects.toBeInstanceOf(NotFoundException);
    await expect(t.sut.listForOrder(B, 'ob')).resolves.toEqual({ orderId: 'ob', shipments: [] });
  });
});
