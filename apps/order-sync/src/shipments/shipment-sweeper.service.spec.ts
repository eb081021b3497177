import type { DataSource } from 'typeorm';
import { FakeShipmentJobs, FakeShipmentsRepository, unreachableDb } from '../../test/fakes';
import { ShipmentSweeper } from './shipment-sweeper.service';
import { DEFAULT_SHIPMENTS_OPTIONS } from './shipments.options';

const A = '00000000-0000-4000-8000-00000000000a';

function setup() {
  const repo = new FakeShipmentsRepository();
  const jobs = new FakeShipmentJobs();
  // the lease (LeaderLoop) is not started: sweep() is driven by hand
  const sut = new ShipmentSweeper(unreachableDb<DataSource>('ShipmentSweeper lease'), repo, jobs, { ...DEFAULT_SHIPMENTS_OPTIONS, backgroundLoops: false, sweepStaleAfterMs: 15_000 });
  const order = repo.addOrder({ id: 'o1', merchantId: A });
  const stale = (p: Parameters<FakeShipmentsRepository['addShipment']>[1] = {}) =>
    repo.addShipment(order, { created_at: new Date(repo.clock.t - 60_000), next_attempt_at: new Date(repo.clock.t - 60_000), ...p });
  return { repo, jobs, sut, stale, order };
}

describe(ShipmentSweeper.name, () => {
  it('re-enqueues stale pending shipments whose job BullMQ no longer holds: the plain id when unknown, a suffix when it still remembers a finished one', async () => {
    const t = setup();
    const unknown = t.stale();
    const finished = t.stale();
    t.jobs.states.set(`ship-${finished.id}`, 'failed');

    await expect(t.sut.sweep()).resolves.toEqual({ reenqueued: 2 });
    expect(t.jobs.added[0]).toBe(`ship-${unknown.id}`);
    expect(t.jobs.added[1]).toMatch(new RegExp(`^ship-${finished.id}-s\\d+$`));
  });

  it('leaves shipments whose job is live, recent ones, leased ones and final ones alone', async () => {
    const t = setup();
    const live = t.stale();
    t.jobs.states.set(`ship-${live.id}`, 'delayed');
    t.repo.addShipment(t.order); // created now
    t.stale({ next_attempt_at: new Date(t.repo.clock.t + 30_000) }); // leased / backing off
    t.stale({ status: 'shipped' });

    await expect(t.sut.sweep()).resolves.toEqual({ reenqueued: 0 });
    expect(t.jobs.added).toEqual([]);
  });

  it('a failed enqueue counts nothing re-enqueued (the next sweep tries again)', async () => {
    const t = setup();
    t.stale();
    t.jobs.failAdds = true;
    await expect(t.sut.sweep()).resolves.toEqual({ reenqueued: 0 });
  });
});
