import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DataSource } from 'typeorm';

export const MAX_SILENCE_SEC = 30 * 86_400;

export class CreateAlertSilenceDto {
  @ApiProperty({ description: 'the alert key from GET /alerts (`<merchant>:<rule>:<subject>`)', maxLength: 300 })
  @IsString({ message: 'key must be a string' })
  @Matches(/^[0-9a-f-]{36}:[a-z_]+:\S+$/, { message: 'key must be an alert key from GET /alerts (<merchant>:<rule>:<subject>)' })
  @MaxLength(300, { message: 'key must be at most 300 characters' })
  key: string;

  @ApiProperty({ minimum: 60, maximum: MAX_SILENCE_SEC, description: 'how long the silence lasts, seconds' })
  @IsInt({ message: 'durationSec must be an integer number of seconds' })
  @Min(60, { message: 'durationSec must be at least 60' })
  @Max(MAX_SILENCE_SEC, { message: `durationSec must be at most ${MAX_SILENCE_SEC} (30 days)` })
  durationSec: number;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @MaxLength(500, { message: 'reason must be at most 500 characters' })
  reason?: string;
}

export class AlertSilenceView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() key: string;
  @ApiPropertyOptional({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ description: "true: set by the platform operator" }) byOperator: boolean;
}

interface SilenceRow {
  id: string;
  merchant_id: string | null;
  key: string;
  reason: string | null;
  expires_at: Date;
  created_at: Date;
}

/**
 * Silences (core.alert_silences): while one is active for a key, the alert's transitions send nothing (and
 * deliveries already queued are dropped). A merchant silences its own keys only (the key starts with its id);
 * the operator (owner null) any key.
 */
@Injectable()
export class AlertSilencesService {
  constructor(private readonly ds: DataSource) {}

  async create(owner: string | null, keyId: string | null, dto: CreateAlertSilenceDto): Promise<AlertSilenceView> {
    if (owner !== null && !dto.key.startsWith(`${owner}:`)) throw new BadRequestException(["key must be one of this merchant's alert keys (GET /alerts)"]);
    const rows: SilenceRow[] = await this.ds.query(
      `INSERT INTO core.alert_silences (merchant_id, key, reason, expires_at, created_by) VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5) RETURNING *`,
      [owner, dto.key, dto.reason ?? null, dto.durationSec, keyId],
    );
    return view(rows[0]);
  }

  /** active silences: a merchant's own keys (the operator's on them included); the operator's: all */
  async list(owner: string | null): Promise<AlertSilenceView[]> {
    const rows: SilenceRow[] = await this.ds.query(
      `SELECT * FROM core.alert_silences WHERE expires_at > now() AND ($1::uuid IS NULL OR key LIKE $1::text || ':%') ORDER BY expires_at DESC`,
      [owner],
    );
    return rows.map(view);
  }

  async remove(owner: string | null, id: string): Promise<void> {
    const res: unknown[] = await this.ds.query(`DELETE FROM core.alert_silences WHERE id = $1 AND merchant_id IS NOT DISTINCT FROM $2::uuid RETURNING id`, [id, owner]);
    const deleted = Array.isArray(res[0]) ? res[0] : res;
    if (deleted.length === 0) throw new NotFoundException(`no alert silence ${id}`);
  }
}

function view(r: SilenceRow): AlertSilenceView {
  return Object.assign(new AlertSilenceView(), {
    id: r.id,
    key: r.key,
    reason: r.reason,
    expiresAt: new Date(r.expires_at).toISOString(),
    createdAt: new Date(r.created_at).toISOString(),
    byOperator: r.merchant_id === null,
  });
}
