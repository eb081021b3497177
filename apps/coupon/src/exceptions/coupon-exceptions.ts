import { BadRequestException, Body, Controller, Get, HttpCode, Injectable, NotFoundException, Optional, Param, Post, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';
import { EXCEPTION_SERVICE, exceptionTypeOf, type OpsException } from '@app/contracts';
import { CouponRoles, MerchantContextGuard, MerchantId } from '../auth/merchant-context.guard';
import { statusAt } from '../campaigns/campaign-lifecycle';
import { CouponJobs } from '../coupon-sync/coupon-jobs';
import { RedemptionsRepository } from '../redemptions/redemptions.repository';

const PER_TYPE_LIMIT = 200;

interface FailedShopRow {
  campaign_id: string;
  shop_id: string;
  platform: string;
  name: string;
  reason: string | null;
  last_error: string | null;
  attempts: number;
  since: Date;
  status: string;
  claim_starts_at: Date;
  claim_ends_at: Date;
}

/** key of one failed (campaign, shop): the attempt count makes a retried one that fails again a new exception */
export const couponExceptionKey = (r: Pick<FailedShopRow, 'campaign_id' | 'shop_id' | 'attempts'>): string => `coupon_sync_failed:${r.campaign_id}:${r.shop_id}:${r.attempts}`;

/**
 * coupon's part of the exception inbox (issue 10 item 5): a campaign's coupon the platform refused to create or to
 * stop (state `failed`, with the platform's reason). Retry puts it back to the step it failed at (create while the
 * campaign is open, stop once it is over) and adds its job; resolve hides it. Every statement is scoped to the merchant.
 */
@Injectable()
export class CouponExceptionsService {
  constructor(
    private readonly ds: DataSource,
    private readonly redemptions: RedemptionsRepository,
    @Optional() private readonly jobs?: CouponJobs,
  ) {}

  private failed(merchantId: string): Promise<FailedShopRow[]> {
    return this.ds.query(
      `SELECT s.campaign_id, s.shop_id, s.platform, c.name, s.reason, s.last_error, s.attempts, s.updated_at AS since,
              c.status, c.claim_starts_at, c.claim_ends_at
         FROM coupon.campaign_shops s JOIN coupon.campaigns c ON c.merchant_id = s.merchant_id AND c.id = s.campaign_id
        WHERE s.merchant_id = $1 AND s.state = 'failed'
          AND NOT EXISTS (SELECT 1 FROM coupon.exception_resolutions r WHERE r.merchant_id = $1
                           AND r.key = 'coupon_sync_failed:' || s.campaign_id || ':' || s.shop_id || ':' || s.attempts)
        ORDER BY s.updated_at DESC LIMIT ${PER_TYPE_LIMIT}`,
      [merchantId],
    );
  }

  async list(merchantId: string): Promise<OpsException[]> {
    const [failed, budgets, usage] = await Promise.all([this.failed(merchantId), this.budgets(merchantId), this.usageMismatches(merchantId)]);
    return [...failed.map((r) => this.exception(r)), ...budgets, ...usage];
  }

  /**
   * coupon_usage_mismatch: the platform's usage statistic (the usage reconcile's last read) differs from our count
   * at that moment. Never "fixed": which side is right (a refund the platform does not count, an order we never
   * received, a redemption we could not attribute) is for a person to see. The key carries both figures, so a
   * difference that changes after it was resolved is a new exception; one that closes disappears by itself.
   */
  private async usageMismatches(merchantId: string): Promise<OpsException[]> {
    const rows: Array<{ campaign_id: string; shop_id: string; platform: string; name: string; platform_used: number; counted_at_check: number; usage_checked_at: Date; key: string }> =
      await this.ds.query(
        `SELECT * FROM (
           SELECT s.campaign_id, s.shop_id, s.platform, c.name, s.platform_used, s.counted_at_check, s.usage_checked_at,
                  'coupon_usage_mismatch:' || s.campaign_id || ':' || s.shop_id || ':' || s.platform_used || ':' || s.counted_at_check AS key
             FROM coupon.campaign_shops s JOIN coupon.campaigns c ON c.merchant_id = s.merchant_id AND c.id = s.campaign_id
            WHERE s.merchant_id = $1 AND s.platform_used IS NOT NULL AND s.counted_at_check IS NOT NULL AND s.platform_used <> s.counted_at_check
         ) m
         WHERE NOT EXISTS (SELECT 1 FROM coupon.exception_resolutions r WHERE r.merchant_id = $1 AND r.key = m.key)
         ORDER BY m.usage_checked_at DESC LIMIT ${PER_TYPE_LIMIT}`,
        [merchantId],
      );
    return rows.map((r) => ({
      key: r.key,
      type: 'coupon_usage_mismatch' as const,
      severity: 'warning' as const,
      since: new Date(r.usage_checked_at).toISOString(),
      title: {
        zh: `优惠券核销数不一致: ${r.name} (${r.platform}) 平台 ${r.platform_used} 张, 我们统计 ${r.counted_at_check} 张`,
        en: `Coupon usage differs: ${r.name} (${r.platform}) platform says ${r.platform_used}, we counted ${r.counted_at_check}`,
      },
      context: { campaignId: r.campaign_id, shopId: r.shop_id, platform: r.platform, platformUsed: Number(r.platform_used), counted: Number(r.counted_at_check) },
      actions: ['resolve' as const],
    }));
  }

  /**
   * coupon_budget: each campaign's highest budget mark (80 % info, 100 % warning, 120 % critical: the plan's 20 %-over
   * alarm), until resolved; a higher mark is a new key, so resolving 80 % does not hide 100 %.
   */
  private async budgets(merchantId: string): Promise<OpsException[]> {
    const marks = await this.redemptions.marksOf(merchantId, PER_TYPE_LIMIT);
    const keys = marks.map((b) => `coupon_budget:${b.campaignId}:${b.pct}`);
    const resolved = new Set(
      (await this.ds.query(`SELECT key FROM coupon.exception_resolutions WHERE merchant_id = $1 AND key = ANY($2::text[])`, [merchantId, keys]) as Array<{ key: string }>).map((r) => r.key),
    );
    return marks
      .map((b, i) => ({ b, key: keys[i] }))
      .filter(({ key }) => !resolved.has(key))
      .map(({ b, key }) => ({
        key,
        type: 'coupon_budget' as const,
        severity: b.pct >= 120 ? ('critical' as const) : b.pct >= 100 ? ('warning' as const) : ('info' as const),
        since: b.crossedAt,
        title: {
          zh: `优惠券预算已用 ${b.pct}%: ${b.name} (¥${(b.spentFen / 100).toFixed(2)} / ¥${(b.budgetFen / 100).toFixed(2)})${b.pct >= 100 ? ', 已在各平台停止' : ''}`,
          en: `Coupon budget at ${b.pct} %: ${b.name} (¥${(b.spentFen / 100).toFixed(2)} of ¥${(b.budgetFen / 100).toFixed(2)})${b.pct >= 100 ? ', stopped on every platform' : ''}`,
        },
        context: { campaignId: b.campaignId, pct: b.pct, spentFen: b.spentFen, budgetFen: b.budgetFen },
        actions: ['resolve' as const],
      }));
  }

  private exception(r: FailedShopRow): OpsException {
    const stop = /^stop/.test(r.reason ?? '');
    return {
      key: couponExceptionKey(r),
      type: 'coupon_sync_failed',
      // a coupon that could not be stopped keeps costing money: critical; one never created is a warning
      severity: stop ? 'critical' : 'warning',
      since: new Date(r.since).toISOString(),
      title: stop
        ? { zh: `优惠券停止失败: ${r.name} (${r.platform})`, en: `Coupon stop failed: ${r.name} (${r.platform})` }
        : { zh: `优惠券创建失败: ${r.name} (${r.platform})`, en: `Coupon create failed: ${r.name} (${r.platform})` },
      context: { campaignId: r.campaign_id, shopId: r.shop_id, platform: r.platform, step: stop ? 'stop' : 'create', reason: r.reason, lastError: r.last_error, attempts: r.attempts },
      actions: this.jobs ? ['retry', 'resolve'] : ['resolve'],
    };
  }

  async resolve(merchantId: string, key: string, note: string | null): Promise<{ key: string; resolved: true }> {
    const type = exceptionTypeOf(key);
    if (type === 'coupon_budget' || type === 'coupon_usage_mismatch') {
      const open = type === 'coupon_budget' ? await this.budgets(merchantId) : await this.usageMismatches(merchantId);
      if (!open.some((e) => e.key === key)) throw new NotFoundException(`exception ${key} not found (resolved, gone, or not yours)`);
    } else await this.openOne(merchantId, key);
    await this.ds.query(`INSERT INTO coupon.exception_resolutions (merchant_id, key, note) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [merchantId, key, note]);
    return { key, resolved: true };
  }

  async retry(merchantId: string, key: string): Promise<{ key: string; retried: true; state: 'pending' | 'stopping' }> {
    if (exceptionTypeOf(key) === 'coupon_budget') throw new BadRequestException('key: a budget mark has nothing to retry (the guard already stopped the campaign at 100 %); resolve it');
    if (exceptionTypeOf(key) === 'coupon_usage_mismatch') throw new BadRequestException('key: a usage difference has nothing to retry (the reconcile reads the platform again by itself); resolve it');
    const row = await this.openOne(merchantId, key);
    if (!this.jobs) throw new BadRequestException('key: this deployment runs no coupon-sync jobs; resolve it instead');
    const over = ['stopped', 'exhausted', 'ended'].includes(statusAt({ status: row.status as never, claimStartsAt: new Date(row.claim_starts_at).toISOString(), claimEndsAt: new Date(row.claim_ends_at).toISOString() }, new Date()));
    const state = this.exception(row).context.step === 'stop' || over ? 'stopping' : 'pending';
    await this.ds.query(
      `UPDATE coupon.campaign_shops SET state = $4, reason = NULL, updated_at = now() WHERE merchant_id = $1 AND campaign_id = $2 AND shop_id = $3 AND state = 'failed'`,
      [merchantId, row.campaign_id, row.shop_id, state],
    );
    await this.jobs.add([{ merchantId, campaignId: row.campaign_id, shopId: row.shop_id }], `retry-${row.attempts}`);
    return { key, retried: true, state };
  }

  /** the merchant's open (failed, unresolved) row under `key`: one read */
  private async openOne(merchantId: string, key: string): Promise<FailedShopRow> {
    const type = exceptionTypeOf(key);
    if (!type || EXCEPTION_SERVICE[type] !== 'coupon') throw new BadRequestException(`key: "${key}" is not a coupon exception key`);
    const found = (await this.failed(merchantId)).find((r) => couponExceptionKey(r) === key);
    if (!found) throw new NotFoundException(`exception ${key} not found (resolved, gone, or not yours)`);
    return found;
  }
}

export class ResolveCouponExceptionDto {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

/** coupon's exceptions of the caller's merchant (the gateway merges them with the other services'). */
@Controller('exceptions')
@UseGuards(MerchantContextGuard)
@CouponRoles('ops', 'admin', 'merchandiser')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
export class CouponExceptionsController {
  constructor(private readonly exceptions: CouponExceptionsService) {}

  @Get()
  async list(@MerchantId() merchantId: string): Promise<{ exceptions: OpsException[] }> {
    return { exceptions: await this.exceptions.list(merchantId) };
  }

  @Post(':key/resolve')
  @HttpCode(200)
  resolve(@MerchantId() merchantId: string, @Param('key') key: string, @Body() body: ResolveCouponExceptionDto): Promise<{ key: string; resolved: true }> {
    return this.exceptions.resolve(merchantId, key, body.note ?? null);
  }

  @Post(':key/retry')
  @HttpCode(200)
  retry(@MerchantId() merchantId: string, @Param('key') key: string): Promise<{ key: string; retried: true; state: string }> {
    return this.exceptions.retry(merchantId, key);
  }
}
