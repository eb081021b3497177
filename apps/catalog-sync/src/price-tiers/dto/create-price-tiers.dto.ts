import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, Max, Min, ValidateNested } from 'class-validator';
import type { PriceTierKind } from '../price-tier.rules';

export class PriceTierDto {
  @IsIn(['early_bird', 'regular', 'flash_sale'])
  kind!: PriceTierKind;

  @IsInt()
  @Min(1)
  @Max(10_000_000)
  priceFen!: number;

  @IsISO8601({ strict: true })
  startsAt!: string;

  @IsISO8601({ strict: true })
  endsAt!: string;
}

export class CreatePriceTiersDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PriceTierDto)
  tiers!: PriceTierDto[];
}
