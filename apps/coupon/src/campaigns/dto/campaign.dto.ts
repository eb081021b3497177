import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { COUPON_AUDIENCES, COUPON_KINDS, COUPON_SCOPES, COUPON_VALIDITY_KINDS, type CouponAudience, type CouponKind, type CouponScope, type CouponValidityKind } from '@app/contracts';

/**
 * The campaign's body (issue 11 item 1). Every rule names its field; rules across fields (a discount above the
 * threshold, a window in the past, a per-user limit above the quantity, ...) are checked on the field they
 * make wrong, so one 400 lists every bad field and nothing is stored.
 */

/** the largest amount we take, in fen (¥10,000,000): far above any coupon, far below 2^53 */
export const MAX_FEN = 1_000_000_000;
export const MAX_QUANTITY = 10_000_000;

const time = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : NaN);

/**
 * A rule over the whole object, reported on the decorated field. `check` gets the field's value and the object;
 * it is skipped (passes) while the values it compares are missing or malformed: their own rules report those.
 */
function Satisfies<T extends object>(name: string, check: (value: unknown, o: T) => boolean | null, message: (args: ValidationArguments) => string, opts?: ValidationOptions) {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => check(value, args?.object as T) !== false,
        defaultMessage: (args?: ValidationArguments) => message(args!),
      },
    },
    opts,
  );
}

/** null when either side is not a number (other rules report it) */
const cmp = (a: unknown, b: unknown, ok: (a: number, b: number) => boolean): boolean | null =>
  typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b) ? ok(a, b) : null;

export class ValidityDto {
  @IsIn(COUPON_VALIDITY_KINDS, { message: `kind must be one of: ${COUPON_VALIDITY_KINDS.join(', ')}` })
  kind!: CouponValidityKind;

  @ValidateIf((o: ValidityDto) => o.kind === 'fixed' || o.from !== undefined)
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 time (required when kind is fixed)' })
  @Satisfies<ValidityDto>('onlyFixed', (_v, o) => o.kind === 'fixed', () => 'from is only for kind fixed')
  from?: string;

  @ValidateIf((o: ValidityDto) => o.kind === 'fixed' || o.until !== undefined)
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 time (required when kind is fixed)' })
  @Satisfies<ValidityDto>('onlyFixed', (_v, o) => o.kind === 'fixed', () => 'until is only for kind fixed')
  @Satisfies<ValidityDto>('afterFrom', (v, o) => cmp(time(v), time(o.from), (u, f) => u > f), () => 'until must be after validity.from')
  until?: string;

  @ValidateIf((o: ValidityDto) => o.kind === 'after_claim' || o.days !== undefined)
  @IsInt({ message: 'days must be an integer number of days (required when kind is after_claim)' })
  @Min(1, { message: 'days must be at least 1' })
  @Max(365, { message: 'days must be at most 365' })
  @Satisfies<ValidityDto>('onlyAfterClaim', (_v, o) => o.kind === 'after_claim', () => 'days is only for kind after_claim')
  days?: number;
}

export class LiveSessionDto {
  @IsString({ message: 'label must be a string' })
  @MinLength(1, { message: 'label must not be empty' })
  @MaxLength(60, { message: 'label must be at most 60 characters' })
  label!: string;

  @IsISO8601({ strict: true }, { message: 'startsAt must be an ISO 8601 time' })
  startsAt!: string;

  @IsISO8601({ strict: true }, { message: 'endsAt must be an ISO 8601 time' })
  @Satisfies<LiveSessionDto>('afterStart', (v, o) => cmp(time(v), time(o.startsAt), (e, s) => e > s), () => 'endsAt must be after liveSession.startsAt')
  @Satisfies<LiveSessionDto>('future', (v) => cmp(time(v), Date.now(), (e, now) => e > now), () => 'endsAt is in the past')
  endsAt!: string;
}

export class CreateCampaignDto {
  /** the merchant's own key: a second create with the same key is a 409 naming it */
  @IsOptional()
  @IsString({ message: 'externalKey must be a string' })
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'externalKey must be 1-64 letters, digits, ".", "_" or "-"' })
  externalKey?: string;

  @IsString({ message: 'name must be a string' })
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(50, { message: 'name must be at most 50 characters' })
  name!: string;

  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(500, { message: 'description must be at most 500 characters' })
  description?: string;

  @IsIn(COUPON_KINDS, { message: `kind must be one of: ${COUPON_KINDS.join(', ')}` })
  kind!: CouponKind;

  /** spend at least this (fen) to use the coupon: required for threshold, optional for discount, none for direct */
  @ValidateIf((o: CreateCampaignDto) => o.kind === 'threshold' || o.thresholdFen !== undefined)
  @IsInt({ message: 'thresholdFen must be an integer amount in fen (required when kind is threshold)' })
  @Min(1, { message: 'thresholdFen must be at least 1 fen' })
  @Max(MAX_FEN, { message: `thresholdFen must be at most ${MAX_FEN}` })
  @Satisfies<CreateCampaignDto>('noThresholdForDirect', (_v, o) => o.kind !== 'direct', () => 'thresholdFen is not taken for kind direct (use kind threshold)')
  thresholdFen?: number;

  /** amount off (fen): threshold and direct */
  @ValidateIf((o: CreateCampaignDto) => o.kind === 'threshold' || o.kind === 'direct' || o.amountFen !== undefined)
  @IsInt({ message: 'amountFen must be an integer amount in fen (required when kind is threshold or direct)' })
  @Min(1, { message: 'amountFen must be at least 1 fen' })
  @Max(MAX_FEN, { message: `amountFen must be at most ${MAX_FEN}` })
  @Satisfies<CreateCampaignDto>('notForDiscount', (_v, o) => o.kind !== 'discount', () => 'amountFen is not taken for kind discount (use ratePermille and maxDiscountFen)')
  @Satisfies<CreateCampaignDto>('belowThreshold', (v, o) => (o.kind === 'threshold' ? cmp(v, o.thresholdFen, (a, t) => a < t) : null), () => 'amountFen must be below thresholdFen (the discount cannot reach the spend it needs)')
  amountFen?: number;

  /** share of the price paid, per mille: 850 = 8.5折 (15 % off); discount only */
  @ValidateIf((o: CreateCampaignDto) => o.kind === 'discount' || o.ratePermille !== undefined)
  @IsInt({ message: 'ratePermille must be an integer per mille of the price paid, 850 = 8.5折 (required when kind is discount)' })
  @Min(1, { message: 'ratePermille must be at least 1' })
  @Max(999, { message: 'ratePermille must be at most 999 (1000 would be no discount)' })
  @Satisfies<CreateCampaignDto>('onlyDiscount', (_v, o) => o.kind === 'discount', () => 'ratePermille is only for kind discount')
  ratePermille?: number;

  /** the cap of a discount coupon (fen) */
  @ValidateIf((o: CreateCampaignDto) => o.kind === 'discount' || o.maxDiscountFen !== undefined)
  @IsInt({ message: 'maxDiscountFen must be an integer amount in fen (required when kind is discount)' })
  @Min(1, { message: 'maxDiscountFen must be at least 1 fen' })
  @Max(MAX_FEN, { message: `maxDiscountFen must be at most ${MAX_FEN}` })
  @Satisfies<CreateCampaignDto>('onlyDiscount', (_v, o) => o.kind === 'discount', () => 'maxDiscountFen is only for kind discount')
  maxDiscountFen?: number;

  @IsInt({ message: 'totalQuantity must be an integer' })
  @Min(1, { message: 'totalQuantity must be at least 1' })
  @Max(MAX_QUANTITY, { message: `totalQuantity must be at most ${MAX_QUANTITY}` })
  totalQuantity!: number;

  @IsInt({ message: 'perUserLimit must be an integer' })
  @Min(1, { message: 'perUserLimit must be at least 1' })
  @Satisfies<CreateCampaignDto>('withinQuantity', (v, o) => cmp(v, o.totalQuantity, (l, q) => l <= q), () => 'perUserLimit must not be above totalQuantity')
  perUserLimit!: number;

  @IsISO8601({ strict: true }, { message: 'claimStartsAt must be an ISO 8601 time' })
  claimStartsAt!: string;

  @IsISO8601({ strict: true }, { message: 'claimEndsAt must be an ISO 8601 time' })
  @Satisfies<CreateCampaignDto>('afterStart', (v, o) => cmp(time(v), time(o.claimStartsAt), (e, s) => e > s), () => 'claimEndsAt must be after claimStartsAt')
  @Satisfies<CreateCampaignDto>('future', (v) => cmp(time(v), Date.now(), (e, now) => e > now), () => 'claimEndsAt is in the past: the claim window is over before it starts')
  claimEndsAt!: string;

  @ValidateNested()
  @Type(() => ValidityDto)
  @Satisfies<CreateCampaignDto>('validityObject', (v) => (v !== null && typeof v === 'object' ? null : false), () => 'validity must be an object {kind, from, until} or {kind, days}')
  @Satisfies<CreateCampaignDto>(
    'coversClaim',
    (v, o) => (v instanceof ValidityDto && v.kind === 'fixed' ? cmp(time(v.until), time(o.claimEndsAt), (u, c) => u >= c) : null),
    () => 'validity.until must not be before claimEndsAt (a coupon claimed last would be dead on arrival)',
  )
  validity!: ValidityDto;

  @IsIn(COUPON_SCOPES, { message: `scope must be one of: ${COUPON_SCOPES.join(', ')}` })
  scope!: CouponScope;

  /** our product ids (catalog), for scope products */
  @ValidateIf((o: CreateCampaignDto) => o.scope === 'products' || o.productIds !== undefined)
  @IsArray({ message: 'productIds must be a list of product ids (required when scope is products)' })
  @ArrayMinSize(1, { message: 'productIds must name at least one product' })
  @ArrayMaxSize(200, { message: 'productIds must name at most 200 products' })
  @ArrayUnique({ message: 'productIds must not repeat a product' })
  @IsUUID('all', { each: true, message: 'productIds must hold product UUIDs' })
  @Satisfies<CreateCampaignDto>('onlyProducts', (_v, o) => o.scope === 'products', () => 'productIds is only for scope products')
  productIds?: string[];

  @IsIn(COUPON_AUDIENCES, { message: `audience must be one of: ${COUPON_AUDIENCES.join(', ')}` })
  audience!: CouponAudience;

  @ValidateIf((o: CreateCampaignDto) => o.audience === 'member_level' || o.memberLevel !== undefined)
  @IsInt({ message: 'memberLevel must be an integer level (required when audience is member_level)' })
  @Min(0, { message: 'memberLevel must be at least 0' })
  @Max(10, { message: 'memberLevel must be at most 10' })
  @Satisfies<CreateCampaignDto>('onlyMemberLevel', (_v, o) => o.audience === 'member_level', () => 'memberLevel is only for audience member_level')
  memberLevel?: number;

  @ValidateIf((o: CreateCampaignDto) => o.audience === 'crowd_tags' || o.crowdTags !== undefined)
  @IsArray({ message: 'crowdTags must be a list of the merchant’s crowd tags (required when audience is crowd_tags)' })
  @ArrayMinSize(1, { message: 'crowdTags must name at least one tag' })
  @ArrayMaxSize(20, { message: 'crowdTags must name at most 20 tags' })
  @ArrayUnique({ message: 'crowdTags must not repeat a tag' })
  @IsString({ each: true, message: 'crowdTags must hold strings' })
  @Matches(/^\S.{0,39}$/u, { each: true, message: 'crowdTags must hold tags of 1-40 characters' })
  @Satisfies<CreateCampaignDto>('onlyCrowdTags', (_v, o) => o.audience === 'crowd_tags', () => 'crowdTags is only for audience crowd_tags')
  crowdTags?: string[];

  /** optional binding to a live session (a label and a time window; live-session plans come later) */
  @IsOptional()
  @ValidateNested()
  @Type(() => LiveSessionDto)
  liveSession?: LiveSessionDto;

  @IsInt({ message: 'budgetFen must be an integer amount in fen' })
  @Min(1, { message: 'budgetFen must be at least 1 fen' })
  @Max(MAX_FEN * 100, { message: `budgetFen must be at most ${MAX_FEN * 100}` })
  budgetFen!: number;

  /** the shops to run it in (the merchant's); absent = every active shop of the merchant */
  @IsOptional()
  @IsArray({ message: 'shopIds must be a list of shop ids' })
  @ArrayMinSize(1, { message: 'shopIds must name at least one shop (leave it out for every shop)' })
  @ArrayMaxSize(50, { message: 'shopIds must name at most 50 shops' })
  @ArrayUnique({ message: 'shopIds must not repeat a shop' })
  @IsUUID('all', { each: true, message: 'shopIds must hold shop UUIDs' })
  shopIds?: string[];
}

/** PATCH: the stock and the budget (the rest of a campaign is fixed once created); an empty body is a 400 from the service */
export class UpdateCampaignDto {
  @IsOptional()
  @IsInt({ message: 'totalQuantity must be an integer' })
  @Min(1, { message: 'totalQuantity must be at least 1' })
  @Max(MAX_QUANTITY, { message: `totalQuantity must be at most ${MAX_QUANTITY}` })
  totalQuantity?: number;

  @IsOptional()
  @IsInt({ message: 'budgetFen must be an integer amount in fen' })
  @Min(1, { message: 'budgetFen must be at least 1 fen' })
  @Max(MAX_FEN * 100, { message: `budgetFen must be at most ${MAX_FEN * 100}` })
  budgetFen?: number;
}

export class ListCampaignsQuery {
  @IsOptional()
  @IsIn(['draft', 'scheduled', 'active', 'stopped', 'exhausted', 'ended'], { message: 'status must be one of: draft, scheduled, active, stopped, exhausted, ended' })
  status?: string;
}
