import { BadRequestException } from '@nestjs/common';
import { StrictValidationPipe } from '@app/observability';
import { CreateCampaignDto, UpdateCampaignDto } from './campaign.dto';

const pipe = new StrictValidationPipe();
const day = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

export function validCampaign(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: '直播间专享满减券',
    description: '直播间下单可用',
    kind: 'threshold',
    thresholdFen: 10_000,
    amountFen: 1_000,
    totalQuantity: 1_000,
    perUserLimit: 1,
    claimStartsAt: at(day),
    claimEndsAt: at(2 * day),
    validity: { kind: 'after_claim', days: 7 },
    scope: 'shop',
    audience: 'everyone',
    budgetFen: 500_000,
    ...over,
  };
}

/** the 400's messages, or [] when the body is valid */
async function errorsOf(body: unknown, metatype: new () => object = CreateCampaignDto): Promise<string[]> {
  try {
    await pipe.transform(body, { type: 'body', metatype });
    return [];
  } catch (e) {
    if (!(e instanceof BadRequestException)) throw e;
    const m = (e.getResponse() as { message: string | string[] }).message;
    return Array.isArray(m) ? m : [m];
  }
}

describe(CreateCampaignDto.name, () => {
  it('takes a valid threshold campaign', async () => {
    expect(await errorsOf(validCampaign())).toEqual([]);
  });

  it.each([
    ['direct', { kind: 'direct', thresholdFen: undefined, amountFen: 500 }],
    ['discount with a cap', { kind: 'discount', thresholdFen: undefined, amountFen: undefined, ratePermille: 850, maxDiscountFen: 3000 }],
    ['fixed validity', { validity: { kind: 'fixed', from: at(day), until: at(10 * day) } }],
    ['listed products', { scope: 'products', productIds: ['00000000-0000-4000-8000-000000000001'] }],
    ['a member level', { audience: 'member_level', memberLevel: 2 }],
    ['crowd tags', { audience: 'crowd_tags', crowdTags: ['高复购', '宝妈'] }],
    ['a live session', { liveSession: { label: '双11专场', startsAt: at(day), endsAt: at(day + 3_600_000) } }],
  ])('takes %s', async (_what, over) => {
    expect(await errorsOf(validCampaign(over))).toEqual([]);
  });

  it('names every bad field of one body at once, nested ones by their path', async () => {
    const errors = await errorsOf(
      validCampaign({
        amountFen: 20_000, // above the threshold
        perUserLimit: 5,
        totalQuantity: 3, // per-user limit above the quantity
        claimStartsAt: at(-3 * day),
        claimEndsAt: at(-2 * day), // window in the past
        validity: { kind: 'fixed', from: at(day), until: at(-day) },
        budgetFen: 0,
      }),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        'amountFen must be below thresholdFen (the discount cannot reach the spend it needs)',
        'perUserLimit must not be above totalQuantity',
        'claimEndsAt is in the past: the claim window is over before it starts',
        'validity.until must be after validity.from',
        'budgetFen must be at least 1 fen',
      ]),
    );
  });

  it.each([
    ['a threshold coupon without its threshold', { thresholdFen: undefined }, 'thresholdFen must be an integer amount in fen (required when kind is threshold)'],
    ['a threshold on a direct coupon', { kind: 'direct' }, 'thresholdFen is not taken for kind direct (use kind threshold)'],
    ['a discount without rate and cap', { kind: 'discount', thresholdFen: undefined, amountFen: undefined }, 'ratePermille must be an integer per mille of the price paid, 850 = 8.5折 (required when kind is discount)'],
    ['a rate of 1000 (no discount)', { kind: 'discount', amountFen: undefined, ratePermille: 1000, maxDiscountFen: 100 }, 'ratePermille must be at most 999 (1000 would be no discount)'],
    ['an amount on a discount', { kind: 'discount', ratePermille: 800, maxDiscountFen: 100 }, 'amountFen is not taken for kind discount (use ratePermille and maxDiscountFen)'],
    ['amounts in yuan with decimals', { amountFen: 9.5 }, 'amountFen must be an integer amount in fen (required when kind is threshold or direct)'],
    ['a claim window ending before it starts', { claimEndsAt: at(day / 2) }, 'claimEndsAt must be after claimStartsAt'],
    ['validity ending before the claim window', { validity: { kind: 'fixed', from: at(day), until: at(day + 1000) } }, 'validity.until must not be before claimEndsAt (a coupon claimed last would be dead on arrival)'],
    ['after_claim without days', { validity: { kind: 'after_claim' } }, 'validity.days must be an integer number of days (required when kind is after_claim)'],
    ['days on a fixed validity', { validity: { kind: 'fixed', from: at(day), until: at(9 * day), days: 3 } }, 'validity.days is only for kind after_claim'],
    ['no validity', { validity: undefined }, 'validity must be an object {kind, from, until} or {kind, days}'],
    ['products scope without products', { scope: 'products' }, 'productIds must be a list of product ids (required when scope is products)'],
    ['products on a shop scope', { productIds: ['00000000-0000-4000-8000-000000000001'] }, 'productIds is only for scope products'],
    ['a product id that is not a uuid', { scope: 'products', productIds: ['p-1'] }, 'productIds must hold product UUIDs'],
    ['member_level without a level', { audience: 'member_level' }, 'memberLevel must be an integer level (required when audience is member_level)'],
    ['crowd_tags without tags', { audience: 'crowd_tags', crowdTags: [] }, 'crowdTags must name at least one tag'],
    ['an unknown audience', { audience: 'vip' }, 'audience must be one of: everyone, new_customers, followers, member_level, crowd_tags'],
    ['a live session ending before it starts', { liveSession: { label: 'x', startsAt: at(2 * day), endsAt: at(day) } }, 'liveSession.endsAt must be after liveSession.startsAt'],
    ['a live session in the past', { liveSession: { label: 'x', startsAt: at(-2 * day), endsAt: at(-day) } }, 'liveSession.endsAt is in the past'],
    ['an empty name', { name: '' }, 'name must not be empty'],
    ['a shop id that is not a uuid', { shopIds: ['shop-1'] }, 'shopIds must hold shop UUIDs'],
    ['an unknown field', { merchantId: '00000000-0000-4000-8000-000000000001' }, 'property merchantId should not exist'],
  ])('refuses %s, naming the field', async (_what, over, message) => {
    expect(await errorsOf(validCampaign(over))).toContain(message);
  });
});

describe(UpdateCampaignDto.name, () => {
  it('takes stock and budget, and refuses anything else', async () => {
    expect(await errorsOf({ totalQuantity: 10, budgetFen: 100 }, UpdateCampaignDto)).toEqual([]);
    expect(await errorsOf({ totalQuantity: 0 }, UpdateCampaignDto)).toEqual(['totalQuantity must be at least 1']);
    expect(await errorsOf({ name: 'x' }, UpdateCampaignDto)).toEqual(['property name should not exist']);
  });
});
