import { ORDER_STATUSES } from '@app/contracts';
import { deliveryFor, isAllowedTransition, interceptReason } from './order-transitions';

describe('order transitions', () => {
  describe('isAllowedTransition', () => {
    it.each([
      ['pending_payment', 'paid'],
      ['pending_payment', 'shipped'],
      ['paid', 'shipped'],
      ['paid', 'cancelled'],
      ['shipped', 'refunding'],
      ['refunding', 'shipped'],
      ['completed', 'refunded'],
      ['paid', 'paid'],
    ] as const)('allows %s -> %s', (from, to) => {
      expect(isAllowedTransition(from, to)).toBe(true);
    });

    it.each([
      ['cancelled', 'paid'],
      ['refunded', 'shipped'],
      ['refunded', 'paid'],
      ['shipped', 'paid'],
      ['paid', 'pending_payment'],
      ['completed', 'shipped'],
      ['partially_shipped', 'cancelled'],
    ] as const)('rejects %s -> %s', (from, to) => {
      expect(isAllowedTransition(from, to)).toBe(false);
    });

    it('lets terminal states only repeat themselves', () => {
      for (const to of ORDER_STATUSES) {
        expect(isAllowedTransition('cancelled', to)).toBe(to === 'cancelled');
        expect(isAllowedTransition('refunded', to)).toBe(to === 'refunded');
      }
    });
  });

  describe('deliveryFor', () => {
    it.each([
      [null, 'pending_payment', null],
      [null, 'paid', 'push'],
      ['pending_payment', 'paid', 'push'],
      ['paid', 'shipped', 'push'],
      ['paid', 'cancelled', 'intercept'],
      ['paid', 'refunding', 'intercept'],
      ['refunding', 'refunded', 'intercept'],
      ['shipped', 'refunding', 'push'],
      ['completed', 'refunded', 'push'],
      ['pending_payment', 'cancelled', null],
      [null, 'cancelled', null],
      ['cancelled', 'cancelled', null],
      ['refunding', 'paid', 'push'],
    ] as const)('%s -> %s delivers %s', (prev, next, expected) => {
      expect(deliveryFor(prev, next)).toBe(expected);
    });
  });

  it('maps interception reasons', () => {
    expect(interceptReason('cancelled')).toBe('cancelled');
    expect(interceptReason('refunding')).toBe('refund_requested');
    expect(interceptReason('refunded')).toBe('refunded');
  });
});
