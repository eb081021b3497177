import type { EntityManager } from 'typeorm';
import { FakeSlaLedgerRepository } from '../../test/fakes';
import { DEFAULT_ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import type { DependencyOutages } from './dependency-outages';
import type { OrderSyncMetrics } from './order-sync.metrics';
import type { SlaAlert, SlaAlertNotifier } from './sla-alert.notifier';
import type { Outage } from './sla-causes';
import { SlaLedger, type AckRow } from './sla-ledger.service';

const EM = {} as EntityManager; // the ack's transaction: the fake repository takes it and runs nothing on it
const SHOP = '00000000-0000-4000-8000-0000000000b1';
const ORDER = '00000000-0000-4000-8000-00000000c001';
const S = 1000;

describe(SlaLedger.name, () => {
  let repo: FakeSlaLedgerRepository;
  let outages: Outage[];
  let sent: SlaAlert[][];
  let webhookOk: boolean;
  let alertsEnabled: boolean;
  let slaMetric: jest.Mock;
  let opts: OrderSyncOptions;
  let sut: SlaLedger;
  let now: number;

  beforeEach(() => {
    now = Date.now();
    repo = new FakeSlaLedgerRepository();
    repo.clock = () => Date.now();
    outages = [];
    sent = [];
    webhookOk = true;
    alertsEnabled = true;
    slaMetric = jest.fn();
    opts = { ...DEFAULT_ORDER_SYNC_OPTIONS, slaWarningMs: 20 * S, slaBreachMs: 30 * S };
    const alerts = {
      get enabled() {
        return alertsEnabled;
      },
      send: async (a: SlaAlert[]) => {
        sent.push(a);
        return webhookOk;
      },
      flush: async () => undefined,
    } as unknown as SlaAlertNotifier;
    sut = new SlaLedger(repo, { sla: slaMetric } as unknown as OrderSyncMetrics, alerts, { list: () => outages } as unknown as DependencyOutages, opts);
  });

  /** an ack of ORDER whose clock started `startedAgoMs` ago, `latencyMs` after its start */
  const ack = (startedAgoMs: number, latencyMs: number, extra: Partial<AckRow> = {}): AckRow => ({
    order_id: ORDER,
    platform: 'douyin',
    shop_id: SHOP,
    platform_order_id: 'P1',
    sla_started_at: new Date(now - startedAgoMs),
    erp_acked_at: new Date(now - startedAgoMs + latencyMs),
    merchant_id: 'm-1',
    first_ack: true,
    erp_error: null,
    ...extra,
  });

  /** a waiting event the watcher recorded */
  const waitingEvent = async (level: 'warning' | 'breach', cause: Parameters<FakeSlaLedgerRepository['insertEvents']>[0][number]['cause'], startedAt: Date) =>
    repo.insertEvents(
      [{ orderId: ORDER, platform: 'douyin', platformOrderId: 'P1', shopId: SHOP, merchantId: 'm-1', slaStartedAt: startedAt, level, cause, ageMs: 21 * S }],
      new Date(now - 5 * S),
      true,
    );

  describe('levels', () => {
    it('reaches a level only past its mark', () => {
      expect(sut.levelsAt(20 * S)).toEqual([]);
      expect(sut.levelsAt(20 * S + 1)).toEqual(['warning']);
      expect(sut.levelsAt(30 * S)).toEqual(['warning']);
      expect(sut.levelsAt(30 * S + 1)).toEqual(['warning', 'breach']);
    });
  });

  describe('recordAcks: the verdict at the ack', () => {
    it('records a warning and a breach once each for an ack past the breach mark no pass saw, with the cause the evidence shows', async () => {
      repo.evidence.set(ORDER, { platformError: null, foundByPoll: true });

      const events = await sut.recordAcks(EM, [ack(40 * S, 35 * S)]);

      expect(events.map((e) => [e.level, e.cause, e.source, e.ageMs])).toEqual([
        ['warning', 'push_lost', 'ack', 35 * S],
        ['breach', 'push_lost', 'ack', 35 * S],
      ]);
      expect(repo.events.map((e) => [e.orderId, e.level, e.merchantId])).toEqual([
        [ORDER, 'warning', 'm-1'],
        [ORDER, 'breach', 'm-1'],
      ]);
      // once per level: the same ack judged again (a redelivered answer) records nothing
      expect(await sut.recordAcks(EM, [ack(40 * S, 35 * S)])).toEqual([]);
      expect(repo.events).toHaveLength(2);
    });

    it('blames the ERP failure on the row ahead of the platform\'s, and the platform\'s ahead of a lost push', async () => {
      repo.evidence.set(ORDER, { platformError: 'rate_limited: douyin: rate_limited: slow down', foundByPoll: true });
      expect((await sut.recordAcks(EM, [ack(40 * S, 25 * S, { erp_error: 'unavailable: connect ECONNREFUSED' })]))[0].cause).toBe('erp_down');

      repo.events.length = 0;
      expect((await sut.recordAcks(EM, [ack(40 * S, 25 * S)]))[0].cause).toBe('platform_throttled');
    });

    it('blames a Redis outage during the wait ahead of everything else', async () => {
      repo.evidence.set(ORDER, { platformError: null, foundByPoll: true });
      outages.push({ dependency: 'redis', startedAt: now - 38 * S, endedAt: now - 30 * S });

      const events = await sut.recordAcks(EM, [ack(40 * S, 35 * S, { erp_error: 'timeout: erp: no answer in 5000 ms' })]);

      expect(events.map((e) => e.cause)).toEqual(['redis_unavailable', 'redis_unavailable']);
    });

    it('disproves a waiting event when the ack shows the ERP had the order before the mark, and corrects its clock start', async () => {
      const inboxPaidAt = new Date(now - 45 * S); // the inbox message's pay time, earlier than the order's own
      await waitingEvent('warning', 'backlog', inboxPaidAt);

      const events = await sut.recordAcks(EM, [ack(40 * S, 19 * S)]);

      expect(events).toEqual([]);
      expect(repo.events).toHaveLength(1);
      expect(repo.events[0].disprovedAt).not.toBeNull();
      expect(repo.events[0].slaStartedAt).toEqual(new Date(now - 40 * S));
    });

    it('keeps a waiting warning the ack confirms (between the marks) and records no breach', async () => {
      await waitingEvent('warning', 'erp_slow', new Date(now - 40 * S));

      expect(await sut.recordAcks(EM, [ack(40 * S, 25 * S)])).toEqual([]);
      expect(repo.events.map((e) => [e.level, e.disprovedAt])).toEqual([['warning', null]]);
    });

    it('records the breach at the ack with the cause its waiting warning recorded', async () => {
      await waitingEvent('warning', 'platform_quota', new Date(now - 40 * S));
      repo.evidence.set(ORDER, { platformError: null, foundByPoll: false });

      const events = await sut.recordAcks(EM, [ack(40 * S, 31 * S)]);

      expect(events.map((e) => [e.level, e.cause, e.source])).toEqual([['breach', 'platform_quota', 'ack']]);
    });

    it('judges only first acks of orders with a clock start, and reads nothing for an ack too early to matter', async () => {
      expect(await sut.recordAcks(EM, [ack(40 * S, 35 * S, { first_ack: false })])).toEqual([]);
      expect(await sut.recordAcks(EM, [ack(40 * S, 35 * S, { sla_started_at: null })])).toEqual([]);
      // acked within a second of payment, paid two seconds ago: no watcher pass can have flagged it
      expect(await sut.recordAcks(EM, [ack(2 * S, 1 * S)])).toEqual([]);
      expect(repo.calls.size).toBe(0);
      expect(repo.events).toEqual([]);
    });
  });

  describe('alerts', () => {
    it('publish counts each event, posts the alerts and marks them sent once the webhook took them', async () => {
      repo.evidence.set(ORDER, { platformError: null, foundByPoll: false });
      const events = await sut.recordAcks(EM, [ack(40 * S, 35 * S)]);

      sut.publish(events);
      await sut.flush();

      expect(slaMetric).toHaveBeenCalledTimes(2);
      expect(sent).toHaveLength(1);
      expect(sent[0].map((a) => a.level)).toEqual(['warning', 'breach']);
      expect(sent[0][0]).not.toHaveProperty('eventId');
      expect(repo.alertedCalls).toEqual([events.map((e) => e.eventId)]);
      expect(repo.events.every((e) => e.alertedAt !== null)).toBe(true);
    });

    it('does not mark alerts the webhook refused; resendUnalerted sends them again later', async () => {
      webhookOk = false;
      repo.evidence.set(ORDER, { platformError: null, foundByPoll: false });
      const events = await sut.recordAcks(EM, [ack(40 * S, 35 * S)]);
      sut.publish(events);
      await sut.flush();
      expect(repo.alertedCalls).toEqual([]);

      // not yet: an event is sent again only RESEND_AFTER_MS (10 s) after it was recorded
      expect(await sut.resendUnalerted()).toBe(0);
      webhookOk = true;
      repo.clock = () => Date.now() + 11 * S;
      expect(await sut.resendUnalerted()).toBe(2);
      await sut.flush();
      expect(sent[1].map((a) => [a.orderId, a.level, a.source])).toEqual([
        [ORDER, 'warning', 'ack'],
        [ORDER, 'breach', 'ack'],
      ]);
      expect(repo.events.every((e) => e.alertedAt !== null)).toBe(true);
      expect(await sut.resendUnalerted()).toBe(0);
    });

    it('reads nothing to resend while alerts are off', async () => {
      alertsEnabled = false;
      expect(await sut.resendUnalerted()).toBe(0);
      expect(repo.calls.get('unalerted')).toBeUndefined();
    });
  });
});
