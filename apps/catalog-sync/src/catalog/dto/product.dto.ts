import { type Platform } from '@app/contracts';
import { platformNames } from '@app/platforms';

// the registry's platforms (libs/platforms/src/registry.ts)
const PLATFORMS = platformNames();
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';

/** A flat object of non-empty string keys and string values (attributes, spec values). */
export function IsStringRecord(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isStringRecord',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an object of string values`, ...options },
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          return entries.length <= 100 && entries.every(([k, v]) => k.trim().length > 0 && k.length <= 100 && typeof v === 'string' && v.length <= 1000);
        },
      },
    });
}

export const MAX_PRICE_FEN = 2_000_000_000; // fits the integer columns

export class SkuDto {
  @IsString() @MinLength(1) @MaxLength(64)
  erpSkuCode: string;

  @IsOptional() @IsString() @MaxLength(64)
  barcode?: string | null;

  @IsOptional() @IsStringRecord()
  specValues?: Record<string, string>;

  @IsInt() @Min(0)
  listPriceFen: number;

  @IsInt() @Min(0)
  salePriceFen: number;

  @IsOptional() @IsInt() @Min(0)
  weightGrams?: number | null;
}

export class OverrideDto {
  @IsIn(PLATFORMS)
  platform: Platform;

  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  title?: string | null;

  @IsOptional() @IsString() @MinLength(1) @MaxLength(64)
  categoryId?: string | null;

  @IsOptional() @IsStringRecord()
  attributes?: Record<string, string> | null;

  @IsOptional() @IsInt() @Min(0)
  priceFen?: number | null;
}

/** Body of a platform override without the platform (it is in the path). */
export class OverrideBodyDto {
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  title?: string | null;

  @IsOptional() @IsString() @MinLength(1) @MaxLength(64)
  categoryId?: string | null;

  @IsOptional() @IsStringRecord()
  attributes?: Record<string, string> | null;

  @IsOptional() @IsInt() @Min(0)
  priceFen?: number | null;
}

export class ProductDto {
  /** the merchant's own product (SPU) key; imports match products by it */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(64)
  externalKey?: string;

  @IsString() @MinLength(1) @MaxLength(200)
  title: string;

  @IsOptional() @IsString() @MaxLength(20_000)
  description?: string;

  @IsOptional() @IsArray() @ArrayMaxSize(30) @IsString({ each: true }) @MaxLength(1000, { each: true })
  images?: string[];

  @IsString() @MinLength(1) @MaxLength(100)
  category: string;

  @IsOptional() @IsStringRecord()
  attributes?: Record<string, string>;

  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(600) @ValidateNested({ each: true }) @Type(() => SkuDto)
  skus: SkuDto[];

  @IsOptional() @IsArray() @ArrayMaxSize(3) @ValidateNested({ each: true }) @Type(() => OverrideDto)
  overrides?: OverrideDto[];
}

export class ListQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  limit?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  offset?: number;
}

export class SkuMappingDto {
  @IsString() @MinLength(1) @MaxLength(64)
  erpSkuCode: string;

  @IsString() @MinLength(36) @MaxLength(36)
  shopId: string;

  @IsString() @MinLength(1) @MaxLength(64)
  platformProductId: string;

  @IsString() @MinLength(1) @MaxLength(64)
  platformSkuId: string;

  @IsOptional() @IsString() @MaxLength(500)
  reason?: string;
}

export class PublishDto {
  /** target platforms; default: every platform the merchant has an active shop on */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(PLATFORMS, { each: true })
  platforms?: Platform[];
}

export class BulkPublishDto extends PublishDto {
  /** products to publish; omit for all of the merchant's products */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10_000) @ArrayUnique() @IsString({ each: true }) @MinLength(36, { each: true }) @MaxLength(36, { each: true })
  productIds?: string[];
}

export class BannedWordDto {
  @IsString() @MinLength(1) @MaxLength(50)
  word: string;

  @IsString() @MinLength(1) @MaxLength(50)
  category: string;
}

export class ComplianceCheckDto {
  @IsString() @MaxLength(200)
  title: string;

  @IsOptional() @IsString() @MaxLength(20_000)
  description?: string;
}
