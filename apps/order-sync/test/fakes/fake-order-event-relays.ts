import { OrderEventRelays } from '../../src/order-events/order-event-relay';

/** OrderEventRelays that only counts its wake-ups (the relays' own work is theirs to test) */
export class FakeOrderEventRelays extends OrderEventRelays {
  wakes = 0;

  constructor() {
    super(null as never, null as never);
  }

  override wake(): void {
    this.wakes += 1;
  }
}
