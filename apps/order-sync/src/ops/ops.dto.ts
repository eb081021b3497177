import { ArrayMaxSize, IsArray, IsBoolean, IsISO8601, IsNumberString, IsOptional, ValidateIf } from 'class-validator';

export class SlaReportQueryDto {
  /** ISO-8601; default one hour before `to` */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** ISO-8601; default now */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
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
