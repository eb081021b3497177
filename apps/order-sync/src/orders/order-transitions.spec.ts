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
      [null, 'pending_payment', false, null],
      [null, 'paid', true, 'push'],
      ['pending_payment', 'paid', true, 'push'],
      ['paid', 'shipped', true, 'push'],
      ['paid', 'cancelled', true, 'intercept'],
      ['paid', 'refunding', true, 'intercept'],
      ['refunding', 'refunded', true, 'intercept'],
      ['shipped', 'refunding', true, 'push'],
      ['completed', 'refunded', true, 'push'],
      ['pending_payment', 'cancelled', false, null],
      [null, 'cancelled', false, null],
      ['cancelled', 'cancelled', true, null],
      ['refunded', 'refunded', true, null],
      ['refunding', 'paid', true, 'push'],
      // paid, then closed before the ERP had it: pushed once, in its final state
      [null, 'refunded', true, 'push'],
      [null, 'cancelled', true, 'push'],
      [null, 'refunding', true, 'push'],
      ['pending_payment', 'refunded', true, 'push'],
      ['pending_payment', 'cancelled', true, 'push'],
      // never paid: nothing for the ERP
      [null, 'refunded', false, null],
      ['pending_payment', 'refunding', false, null],
    ] as const)('%s -> %s (paid: %s) delivers %s', (prev, next, paid, expected) => {
      expect(deliveryFor(prev, next, paid)).toBe(expected);
    });
  });

  it('maps interception reasons', () => {
    expect(interceptReason('cancelled')).toBe('cancelled');
    expect(interceptReason('refunding')).toBe('refund_requested');
    expect(interceptReason('refunded')).toBe('refunded');
  });
});
