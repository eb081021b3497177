import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import type { Platform } from '@app/contracts';
import { platformNames } from '@app/platforms';

// the registry's names (libs/platforms/src/registry.ts), never a list of our own
const PLATFORMS = platformNames();

export class RingFencedDto {
  @IsIn(PLATFORMS, { message: `platform must be one of: ${PLATFORMS.join(', ')}` })
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
