import type { EntityManager } from 'typeorm';
import { SecretBox } from '@app/persistence';
import { BuyerVault } from '../orders/buyer-vault';
import type { ErpAckRow, ErpPageRow } from '../orders/orders.repository';
import { OrderSyncMetrics } from '../sla/order-sync.metrics';
import type { AckRow, LedgerEvent, SlaLedger } from '../sla/sla-ledger.service';
import { FakeOrdersRepository } from '../../test/fakes';
import { ErpOrdersService } from './erp-orders.service';

const MERCHANT = '00000000-0000-4000-8000-0000000000a1';
const SHOP = '00000000-0000-4000-8000-000000000001';
const BUYER = { nickMasked: 'b***', receiverMasked: 'R**', phoneMasked: '138****0000', addressMasked: 'Hangzhou ***' };

describe(ErpOrdersService.name, () => {
  let orders: FakeOrdersRepository;
  let vault: BuyerVault;
  let judged: { em: EntityManager; acks: AckRow[]; publishedSoFar: number }[];
  let published: LedgerEvent[][];
  let sut: ErpOrdersService;
  const EVENT = { orderId: 'o-1', level: 'breach' } as LedgerEvent;

  beforeEach(() => {
    orders = new FakeOrdersRepository();
    vault = new BuyerVault(SecretBox.fromConfig('0f'.repeat(32)));
    judged = [];
    published = [];
    // the ledger's own judgement is the SLA specs'; here only what the API hands it and when
    const ledger = {
      recordAcks: async (em: EntityManager, acks: AckRow[]) => {
        judged.push({ em, acks, publishedSoFar: published.length });
        return [EVENT];
      },
      publish: (events: LedgerEvent[]) => published.push(events),
    } as unknown as SlaLedger;
    sut = new ErpOrdersService(orders, new OrderSyncMetrics(), vault, ledger);
  });

  const pageRow = (id: string, cursor: string): ErpPageRow => ({
    id,
    platform: 'douyin',
    shop_id: SHOP,
    platform_order_id: `P-${id}`,
    status: 'paid',
    platform_status: 'S-paid',
    platform_updated_at: new Date('2026-01-01T00:00:10Z'),
    status_rank: 1,
    version: 2,
    pay_time: new Date('2026-01-01T00:00:05Z'),
    created_at_platform: new Date('2026-01-01T00:00:00Z'),
    cod: false,
    total_fen: '1990',
    paid_fen: '1990',
    shipping_fen: '0',
    discount_fen: '0',
    buyer_enc: vault.seal(id, BUYER),
    items: [],
    refund_status: 'none',
    erp_order_id: null,
    erp_acked_at: null,
    cursor,
  });

  it('pages after the cursor given, opens each buyer and continues from the last row', async () => {
    orders.erpPageRows = [pageRow('o-1', '700-11'), pageRow('o-2', '701-12')];

    const page = await sut.list(MERCHANT, '699-10', 50);

    expect(orders.erpCalls).toEqual([{ method: 'erpPage', args: [MERCHANT, '699', '10', 50], inTransaction: false }]);
    expect(page.nextCursor).toBe('701-12');
    expect(page.orders.map((o) => [o.orderId, o.cursor, o.order.buyer])).toEqual([
      ['o-1', '700-11', BUYER],
      ['o-2', '701-12', BUYER],
    ]);
    expect(page.orders[0].order).toMatchObject({ platformOrderId: 'P-o-1', totalFen: 1990, paidAt: '2026-01-01T00:00:05.000Z' });
  });

  it('an empty page keeps the caller at its cursor, and a first page with nothing starts at 0-0', async () => {
    expect((await sut.list(MERCHANT, '699-10', 50)).nextCursor).toBe('699-10');
    expect((await sut.list(MERCHANT, undefined, 50)).nextCursor).toBe('0-0');
    expect(orders.erpCalls[1].args).toEqual([MERCHANT, '0', '0', 50]);
  });

  it('acks in one transaction with the ledger judging the first acks, and publishes its events after the commit', async () => {
    const ack: ErpAckRow = {
      order_id: 'o-1',
      platform: 'douyin',
      shop_id: SHOP,
      platform_order_id: 'P-o-1',
      sla_started_at: new Date('2026-01-01T00:00:05Z'),
      erp_acked_at: new Date('2026-01-01T00:00:20Z'),
      latency_s: 15,
    } as ErpAckRow;
    orders.erpAckRows = [ack];

    expect(await sut.ack(MERCHANT, { orderIds: ['o-1'] })).toEqual({ acked: 1 });
    expect(orders.transactions).toBe(1);
    expect(orders.erpCalls).toEqual([{ method: 'ackForErp', args: [MERCHANT, ['o-1'], '0', '0'], inTransaction: true }]);
    // judged inside the transaction, nothing published before it ended
    expect(judged).toEqual([{ em: orders.em, acks: [ack], publishedSoFar: 0 }]);
    expect(published).toEqual([[EVENT]]);
  });

  it('acks by cursor when no ids are named', async () => {
    expect(await sut.ack(MERCHANT, { cursor: '900-42' })).toEqual({ acked: 0 });
    expect(orders.erpCalls[0].args).toEqual([MERCHANT, null, '900', '42']);
  });
});
