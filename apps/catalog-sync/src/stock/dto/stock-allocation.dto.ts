import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import type { Platform } from '@app/contracts';

const PLATFORMS = ['douyin', 'taobao', 'xiaohongshu'];

export class RingFencedDto {
  @IsIn(PLATFORMS)
  platform!: Platform;

  @IsInt()
  @Min(0)
  quantity!: number;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  liveSessionId?: string;
}

export class StockAllocationDto {
  @IsIn(['shared', 'fixed', 'ring_fenced'])
  mode!: 'shared' | 'fixed' | 'ring_fenced';

  /** fixed: integer percent per platform, summing to at most 100 */
  @ValidateIf((o: StockAllocationDto) => o.mode === 'fixed')
  @IsObject()
  shares?: Partial<Record<Platform, number>>;

  @ValidateIf((o: StockAllocationDto) => o.mode === 'ring_fenced')
  @ValidateNested()
  @Type(() => RingFencedDto)
  ringFenced?: RingFencedDto;
}
