import { checkTiers, nextChange, priceAt, type TierWindow } from './price-tier.rules';

const NOW = new Date('2030-01-01T00:00:00Z');
const at = (min: number) => new Date(NOW.getTime() + min * 60_000);
const tier = (kind: TierWindow['kind'], priceFen: number, from: number, to: number, id?: string): TierWindow => ({ id, kind, priceFen, startsAt: at(from), endsAt: at(to) });

describe(checkTiers.name, () => {
  it.each([
    ['start not before end', [tier('regular', 900, 10, 10)], [], 'tiers.0.endsAt'],
    ['start in the past', [tier('early_bird', 900, -5, 10)], [], 'tiers.0.startsAt'],
    ['flash sale not below base price', [tier('flash_sale', 1000, 10, 20)], [], 'tiers.0.priceFen'],
    ['flash sale not below a regular tier', [tier('flash_sale', 950, 10, 20)], [tier('regular', 900, 30, 40, 'r1')], 'tiers.0.priceFen'],
    ['overlap with an existing tier', [tier('early_bird', 900, 10, 20)], [tier('regular', 950, 15, 40, 'r1')], 'tiers.0.startsAt'],
    ['overlap inside the request', [tier('early_bird', 900, 10, 20), tier('regular', 950, 19, 30)], [], 'tiers.1.startsAt'],
  ])('rejects %s', (_n, tiers, existing, field) => {
    const v = checkTiers(tiers as TierWindow[], existing as TierWindow[], 1000, NOW);
    expect(v.map((x) => x.field)).toContain(field);
  });

  it('accepts back-to-back windows and a flash sale below every regular price', () => {
    expect(checkTiers([tier('early_bird', 800, 10, 20), tier('regular', 950, 20, 30), tier('flash_sale', 500, 30, 31)], [], 1000, NOW)).toEqual([]);
  });
});

describe(priceAt.name, () => {
  const tiers = [tier('early_bird', 800, 10, 20, 'e'), tier('flash_sale', 500, 30, 31, 'f')];
  it.each([
    [0, 1000],
    [10, 800],
    [19.9, 800],
    [20, 1000],
    [30.5, 500],
    [31, 1000],
  ])('at +%s min the price is %s', (min, price) => {
    expect(priceAt(tiers, 1000, at(min)).priceFen).toBe(price);
  });
  it('names the next change', () => {
    expect(nextChange(tiers, 1000, at(15))).toMatchObject({ at: at(20), priceFen: 1000 });
    expect(nextChange(tiers, 1000, at(21))).toMatchObject({ at: at(30), priceFen: 500 });
    expect(nextChange(tiers, 1000, at(40))).toBeNull();
  });
});
