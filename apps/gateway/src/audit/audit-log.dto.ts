import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditLogEntry } from '@app/persistence';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class AuditLogQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must not be less than 1' })
  @Max(200, { message: 'limit must not be greater than 200' })
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,18}$/, { message: 'cursor must be a nextCursor value returned by this API' })
  cursor?: string;
}

export class AuditLogEntryView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'api_key.create' }) action: string;
  @ApiProperty({ format: 'uuid', nullable: true, description: 'the acting API key' }) actorKeyId: string | null;
  @ApiProperty({ example: 'api_key' }) targetType: string;
  @ApiProperty({ nullable: true }) targetId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;

  static of(e: AuditLogEntry): AuditLogEntryView {
    return Object.assign(new AuditLogEntryView(), {
      id: e.id,
      action: e.action,
      actorKeyId: e.actorKeyId,
      targetType: e.targetType,
      targetId: e.targetId,
      details: e.details,
      createdAt: e.createdAt.toISOString(),
    });
  }
}

export class AuditLogPageView {
  @ApiProperty({ type: AuditLogEntryView, isArray: true }) items: AuditLogEntryView[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as ?cursor= for older entries; null at the end' }) nextCursor: string | null;
}
