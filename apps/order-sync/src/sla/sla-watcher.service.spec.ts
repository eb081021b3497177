import type { DataSource } from 'typeorm';
import { FakeSlaLedgerRepository } from '../../test/fakes';
import { DEFAULT_ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { orderRowId } from '../orders/buyer-vault';
import type { DependencyOutages } from './dependency-outages';
import type { OrderSyncMetrics } from './order-sync.metrics';
import type { SlaAlertNotifier } from './sla-alert.notifier';
import type { Outage } from './sla-causes';
import { SlaLedger } from './sla-ledger.service';
import { SlaWatcherService } from './sla-watcher.service';

const SHOP = '00000000-0000-4000-8000-0000000000d1';
const ORDER = '00000000-0000-4000-8000-00000000e001';
const S = 1000;

describe(SlaWatcherService.name, () => {
  let repo: FakeSlaLedgerRepository;
  let outages: Outage[];
  let sut: SlaWatcherService;
  let t0: number;

  beforeEach(() => {
    t0 = Date.now();
    repo = new FakeSlaLedgerRepository();
    outages = [];
    const opts: OrderSyncOptions = { ...DEFAULT_ORDER_SYNC_OPTIONS, slaWarningMs: 20 * S, slaBreachMs: 30 * S, backgroundLoops: false };
    const deps = { list: () => outages } as unknown as DependencyOutages;
    const alerts = { enabled: false, send: async () => true, flush: async () => undefined } as unknown as SlaAlertNotifier;
    const ledger = new SlaLedger(repo, { sla: jest.fn() } as unknown as OrderSyncMetrics, alerts, deps, opts);
    sut = new SlaWatcherService(repo, {} as DataSource, ledger, deps, opts);
  });

  const waitingOrder = (paidAgoMs: number, extra: Partial<FakeSlaLedgerRepository['waiting'][number]> = {}) =>
    repo.waiting.push({
      orderId: ORDER,
      platform: 'douyin',
      platformOrderId: 'P1',
      shopId: SHOP,
      merchantId: 'm-1',
      slaStartedAt: new Date(t0 - paidAgoMs),
      erpError: null,
      platformError: null,
      foundByPoll: false,
      ...extra,
    });

  it('records each level once while an order waits: the warning past its mark, the breach past its own, then nothing', async () => {
    waitingOrder(21 * S, { erpError: 'timeout: erp: no answer in 5000 ms' });

    expect((await sut.check(new Date(t0))).map((a) => [a.level, a.cause, a.source])).toEqual([['warning', 'erp_slow', 'waiting']]);
    expect(await sut.check(new Date(t0 + 2 * S))).toEqual([]);
    // the breach: the ERP's failure is gone from the row, the warning's cause carries over
    repo.waiting[0].erpError = null;
    expect((await sut.check(new Date(t0 + 10 * S))).map((a) => [a.level, a.cause])).toEqual([['breach', 'erp_slow']]);
    expect(await sut.check(new Date(t0 + 20 * S))).toEqual([]);
    expect(repo.events.map((e) => [e.level, e.source])).toEqual([
      ['warning', 'waiting'],
      ['breach', 'waiting'],
    ]);
  });

  it('records both levels at once for an order first seen past the breach mark, found by the poller: push_lost', async () => {
    waitingOrder(31 * S, { foundByPoll: true });

    expect((await sut.check(new Date(t0))).map((a) => [a.level, a.cause])).toEqual([
      ['warning', 'push_lost'],
      ['breach', 'push_lost'],
    ]);
  });

  it('records an order still only in the inbox under the id its orders row will get, with the platform\'s failure as cause', async () => {
    repo.inbox.push({ platform: 'douyin', shopId: SHOP, merchantId: 'm-1', platformOrderId: 'INBOX-1', paidAt: new Date(t0 - 22 * S), lastError: 'rate_limited: douyin: rate_limited: local QPS limit 1/s reached' });

    const alerts = await sut.check(new Date(t0));

    expect(alerts.map((a) => [a.orderId, a.level, a.cause])).toEqual([[orderRowId(SHOP, 'INBOX-1'), 'warning', 'platform_quota']]);
    // the next pass sees its warning and records nothing more before the breach mark
    expect(await sut.check(new Date(t0 + 1 * S))).toEqual([]);
  });

  it('records nothing for an order acked between the read and the insert (the waiting insert skips it)', async () => {
    waitingOrder(25 * S);
    const read = repo.storedWaiting.bind(repo);
    jest.spyOn(repo, 'storedWaiting').mockImplementationOnce(async (now, warningMs) => {
      const rows = await read(now, warningMs);
      repo.acked.add(ORDER); // the ack commits meanwhile
      return rows;
    });

    expect(await sut.check(new Date(t0))).toEqual([]);
    expect(repo.events).toEqual([]);
  });

  it('blames a Postgres outage during the wait', async () => {
    waitingOrder(21 * S, { foundByPoll: true });
    outages.push({ dependency: 'postgres', startedAt: t0 - 15 * S, endedAt: t0 - 8 * S });

    expect((await sut.check(new Date(t0))).map((a) => a.cause)).toEqual(['postgres_unavailable']);
  });
});
