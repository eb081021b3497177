import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsUUID, Matches, Max, Min, ValidateIf } from 'class-validator';

/** `<transaction id>-<change seq>` as returned in nextCursor; empty/absent = from the beginning */
export const CURSOR_PATTERN = /^\d+-\d+$/;

export class ListErpOrdersQueryDto {
  @IsOptional()
  @Matches(CURSOR_PATTERN, { message: 'cursor must be a nextCursor value returned by this API' })
  cursor?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class AckErpOrdersDto {
  /** ack these orders ... */
  @ValidateIf((o: AckErpOrdersDto) => o.cursor === undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  orderIds?: string[];

  /** ... or everything up to and including this cursor */
  @ValidateIf((o: AckErpOrdersDto) => o.orderIds === undefined)
  @Matches(CURSOR_PATTERN, { message: 'cursor must be a nextCursor value returned by this API' })
  cursor?: string;
}
