import { UpstreamError } from '@app/contracts';
import { messageSaysRefund, refundBlocks, shipmentJobId } from './shipment-rules';

describe('shipment rules', () => {
  it.each([
    ['paid', 'none', false],
    ['partially_shipped', 'none', false],
    ['shipped', 'rejected', false],
    ['paid', 'requested', true],
    ['paid', 'refunded', true],
    ['refunding', 'none', true],
    ['refunded', 'refunded', true],
    ['cancelled', 'none', true],
  ])('status %s with refund %s blocks: %s', (status, refundStatus, blocks) => {
    expect(refundBlocks({ status, refundStatus })).toBe(blocks);
  });

  it('reads a refund refusal only from an invalid_request naming a refund or cancellation', () => {
    expect(messageSaysRefund(new UpstreamError('douyin', 'invalid_request', '订单已取消或已退款，不能发货 (order is refunded; cannot ship)'))).toBe(true);
    expect(messageSaysRefund(new UpstreamError('taobao', 'invalid_request', 'order already shipped'))).toBe(false);
    expect(messageSaysRefund(new UpstreamError('taobao', 'retryable', 'refund service busy'))).toBe(false);
  });

  it('builds job ids with a dash, never a colon', () => {
    expect(shipmentJobId('0b7c')).toBe('ship-0b7c');
  });
});
