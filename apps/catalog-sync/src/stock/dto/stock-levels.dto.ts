import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';

export class StockLevelItemDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  erpSkuCode!: string;

  @IsInt()
  @Min(0)
  onHand!: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  safetyStock?: number;

  /** the ERP's time of the figure; an older report than the stored one is skipped */
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

/** The merchant is the caller's (gateway header), never a body field: a body carrying `merchantId` is a 400. */
export class StockLevelsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => StockLevelItemDto)
  items!: StockLevelItemDto[];
}
