import { Type } from 'class-transformer';
import { BUCKET_SECONDS } from './throughput.service';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsISO8601, IsInt, IsNumberString, IsOptional, Max, Min, ValidateIf } from 'class-validator';

export class SlaReportQueryDto {
  /** ISO-8601; default one hour before `to` */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** ISO-8601; default now */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  /** late orders listed at most (default and maximum 1000; the counts are always whole) */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  lateLimit?: number;
}

export class RetryOutboxDto {
  /** outbox row ids; omit and set all=true to retry every failed row */
  @ValidateIf((o: RetryOutboxDto) => o.all !== true)
  @IsArray()
  @ArrayMaxSize(1000)
  @IsNumberString({ no_symbols: true }, { each: true })
  ids?: string[];

  @IsOptional()
  @IsBoolean()
  all?: boolean;
}

export class ThroughputQueryDto {
  /** the window in whole minutes, 1-60 (default 15) */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60)
  minutes?: number;

  /** the bucket length in seconds: 10, 15, 30, 60 (default) or 300 */
  @IsOptional()
  @Type(() => Number)
  @IsIn([...BUCKET_SECONDS])
  bucketSeconds?: number;
}
