import { Body, Controller, Get, Inject, Injectable, Patch, UsePipes, ValidationPipe } from '@nestjs/common';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { DataSource } from 'typeorm';
import { RequiresRole } from '../ops/roles';
import { RETENTION_MODULE_OPTIONS, type RetentionModuleOptions } from './retention.options';
import { MerchantId } from '../shared/merchant-id.decorator';
import { queryRows } from '../shared/sql';
import { RETENTION_FLOORS_DAYS, RETENTION_KINDS, RETENTION_MAX_DAYS, effectiveDays, type RetentionKind } from './retention-policy';

/** a merchant's retention, days per kind; null: back to the deployment's default; a field left out: unchanged */
export class PatchRetentionSettingsDto {
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(RETENTION_FLOORS_DAYS.inbox)
  @Max(RETENTION_MAX_DAYS)
  inboxDays?: number | null;

  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(RETENTION_FLOORS_DAYS.outbox)
  @Max(RETENTION_MAX_DAYS)
  outboxDays?: number | null;

  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(RETENTION_FLOORS_DAYS.slaEvents)
  @Max(RETENTION_MAX_DAYS)
  slaEventsDays?: number | null;

  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(RETENTION_FLOORS_DAYS.audit)
  @Max(RETENTION_MAX_DAYS)
  auditDays?: number | null;
}

type KindView = { days: number; merchantDays: number | null; defaultDays: number; floorDays: number };
export type RetentionSettingsView = Record<`${RetentionKind}`, KindView>;

const COLUMN: Record<RetentionKind, string> = { inbox: 'inbox_days', outbox: 'outbox_days', slaEvents: 'sla_events_days', audit: 'audit_days' };
const FIELD: Record<RetentionKind, keyof PatchRetentionSettingsDto> = { inbox: 'inboxDays', outbox: 'outboxDays', slaEvents: 'slaEventsDays', audit: 'auditDays' };

/** order_sync.retention_settings of one merchant: every statement keyed by the caller's merchant id */
@Injectable()
export class RetentionSettingsService {
  constructor(
    private readonly ds: DataSource,
    @Inject(RETENTION_MODULE_OPTIONS) private readonly opts: RetentionModuleOptions,
  ) {}

  async get(merchantId: string): Promise<RetentionSettingsView> {
    const [row] = await queryRows<Record<string, number | null>>(
      this.ds,
      `SELECT inbox_days, outbox_days, sla_events_days, audit_days FROM order_sync.retention_settings WHERE merchant_id = $1`,
      [merchantId],
    );
    const out = {} as RetentionSettingsView;
    for (const k of RETENTION_KINDS) {
      const merchantDays = row?.[COLUMN[k]] ?? null;
      const defaultDays = Math.max(this.opts.retention.days[k], RETENTION_FLOORS_DAYS[k]);
      out[k] = { days: effectiveDays(k, merchantDays, defaultDays), merchantDays, defaultDays, floorDays: RETENTION_FLOORS_DAYS[k] };
    }
    return out;
  }

  async put(merchantId: string, body: PatchRetentionSettingsDto): Promise<RetentionSettingsView> {
    const given = RETENTION_KINDS.filter((k) => body[FIELD[k]] !== undefined);
    if (given.length > 0) {
      const cols = given.map((k) => COLUMN[k]);
      await this.ds.query(
        `INSERT INTO order_sync.retention_settings (merchant_id, ${cols.join(', ')}) VALUES ($1, ${cols.map((_, i) => `$${i + 2}::int`).join(', ')})
         ON CONFLICT (merchant_id) DO UPDATE SET ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = now()`,
        [merchantId, ...given.map((k) => body[FIELD[k]])],
      );
    }
    return this.get(merchantId);
  }
}

/** GET / PATCH /retention-settings: the caller merchant's retention (the gateway forwards its admin's calls) */
@Controller('retention-settings')
@RequiresRole('admin')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
export class RetentionSettingsController {
  constructor(private readonly settings: RetentionSettingsService) {}

  @Get()
  get(@MerchantId() merchantId: string): Promise<RetentionSettingsView> {
    return this.settings.get(merchantId);
  }

  @Patch()
  put(@MerchantId() merchantId: string, @Body() body: PatchRetentionSettingsDto): Promise<RetentionSettingsView> {
    return this.settings.put(merchantId, body);
  }
}
