import type { CanonicalOrder } from '@app/contracts';
import type { ErpOrderEnvelope } from '../erp-connector.port';

/** Test fixtures (not exported from the barrel): import '@app/erp/testing/erp-fixtures'. */
export function sampleOrder(overrides: Partial<CanonicalOrder> = {}): CanonicalOrder {
  return {
    platform: 'douyin',
    shopId: '7001',
    platformOrderId: '6918123456789012345',
    status: 'paid',
    platformStatus: '2',
    createdAt: '2024-05-29T02:00:00.000Z',
    paidAt: '2024-05-29T02:00:05.000Z',
    updatedAt: '2024-05-29T02:00:06.000Z',
    cashOnDelivery: false,
    totalFen: 20_907,
    paidFen: 19_907,
    shippingFen: 800,
    discountFen: 1000,
    buyer: { nickMasked: 'z***n', receiverMasked: '张*', phoneMasked: '138****0000', addressMasked: '浙江省杭州市西湖区****' },
    items: [
      {
        lineId: '6918123456789012346',
        platformProductId: '3600000000000000001',
        platformSkuId: '1760000000000000001',
        erpSkuCode: 'TSHIRT-RED-M',
        title: 'T-shirt red M',
        quantity: 2,
        unitPriceFen: 10_050,
        paidFen: 19_107,
        discountFen: 993,
      },
    ],
    refundStatus: 'none',
    ...overrides,
  };
}

export function envelope(n: number, version = 1, overrides: Partial<CanonicalOrder> = {}): ErpOrderEnvelope {
  const orderId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    orderId,
    version,
    idempotencyKey: `${orderId}-v${version}`,
    order: sampleOrder({ platformOrderId: `69181234567890${String(n).padStart(5, '0')}`, ...overrides }),
  };
}
