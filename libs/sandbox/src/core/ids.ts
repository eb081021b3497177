import { Rng } from './rng';

/**
 * Unique id factory: a fixed prefix, a few seeded random digits (so two simulators with different
 * seeds do not collide) and a counter. Numeric ids are exactly `length` digits.
 */
export class IdFactory {
  private counter = 0;
  private readonly salt: string;
  constructor(rng: Rng) {
    this.salt = rng.digits(4);
  }
  numeric(prefix: string, length: number): string {
    this.counter++;
    const body = `${this.salt}${String(this.counter).padStart(length - prefix.length - 4, '0')}`;
    if (prefix.length + body.length !== length) throw new Error(`id counter overflow for prefix ${prefix}`);
    return `${prefix}${body}`;
  }
  hex(prefix: string, length: number): string {
    this.counter++;
    const c = this.counter.toString(16);
    return `${prefix}${this.salt}${c.padStart(length - prefix.length - this.salt.length, '0')}`;
  }
}
