import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { levelRank, type AlertLevel } from './alert-levels';
import type { AlertCondition } from './alert-rules';
import { ALERTS_OPTIONS, type AlertsOptions } from './alerts.options';

/** one alert as GET /alerts returns it (the /ops page codes against this shape) */
export interface AlertView {
  key: string;
  rule: string;
  level: AlertLevel;
  state: 'firing' | 'resolved';
  silenced: boolean;
  merchantId: string;
  summary: { zh: string; en: string };
  firstFiredAt: string | null;
  lastSentAt: string | null;
  resolvedAt: string | null;
}

interface AlertRow {
  id: string;
  key: string;
  merchant_id: string;
  rule: string;
  subject: string;
  level: AlertLevel;
  state: 'pending' | 'firing' | 'resolved';
  summary_zh: string;
  summary_en: string;
  pending_since: Date | null;
  first_fired_at: Date | null;
  last_sent_at: Date | null;
  next_repeat_at: Date | null;
  resolved_at: Date | null;
}

/** what one evaluation of a merchant changed (for logs and the int-spec) */
export interface TransitionSummary {
  fired: string[];
  repeated: string[];
  escalated: string[];
  resolved: string[];
  deliveries: number;
}

export const alertKey = (merchantId: string, rule: string, subject: string): string => `${merchantId}:${rule}:${subject}`;

/**
 * core.alerts, core.alert_deliveries and core.alert_silences: every statement on them is here. `apply` is the
 * state machine — an alert key fires once, repeats on its level's schedule while open, and resolves when its
 * condition is gone — and writes the transitions and the deliveries they cause (one per channel at or above
 * the channel's min level; none while silenced) in one transaction.
 */
@Injectable()
export class AlertStore {
  constructor(
    private readonly ds: DataSource,
    @Inject(ALERTS_OPTIONS) private readonly opts: AlertsOptions,
  ) {}

  /**
   * Applies what holds now for a merchant. `judged(rule)`: whether the rule's source was read this time; the
   * open alerts of a rule whose source did not answer are left as they are (not resolved by an outage of the
   * signal), and so are those of rules that evaluate nothing yet.
   */
  async apply(merchantId: string, conditions: AlertCondition[], judged: (rule: string) => boolean, now = new Date()): Promise<TransitionSummary> {
    const out: TransitionSummary = { fired: [], repeated: [], escalated: [], resolved: [], deliveries: 0 };
    await this.ds.transaction(async (em) => {
      // one evaluation of a merchant at a time, whatever runs it (the loop holds a lease; tests call apply directly)
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('core.alerts:' || $1::text))`, [merchantId]);
      const open: AlertRow[] = await em.query(`SELECT * FROM core.alerts WHERE merchant_id = $1 AND state IN ('pending', 'firing') FOR UPDATE`, [merchantId]);
      const byKey = new Map(open.map((r) => [r.key, r]));
      const keys = [...new Set([...conditions.map((c) => alertKey(merchantId, c.rule, c.subject)), ...open.map((r) => r.key)])];
      const silenced = await this.silencedKeys(em, keys);
      const channels: Array<{ id: string; min_level: AlertLevel }> = await em.query(
        `SELECT id, min_level FROM core.alert_channels WHERE merchant_id = $1 OR merchant_id IS NULL`,
        [merchantId],
      );
      const due = new Date(now.getTime() + this.opts.groupWindowMs);
      const enqueue = async (alertId: string, key: string, event: 'firing' | 'repeat' | 'resolved', level: AlertLevel, summary: { zh: string; en: string }, only?: string[]) => {
        if (silenced.has(key)) return;
        const targets = only ?? channels.filter((c) => levelRank(level) >= levelRank(c.min_level)).map((c) => c.id);
        if (targets.length === 0) return;
        await em.query(
          `INSERT INTO core.alert_deliveries (channel_id, alert_id, event, level, summary_zh, summary_en, due_at, created_at)
           SELECT unnest($1::uuid[]), $2, $3, $4, $5, $6, $7, $8`,
          [targets, alertId, event, level, summary.zh, summary.en, due, now],
        );
        out.deliveries += targets.length;
      };
      const repeatAt = (level: AlertLevel) => (this.opts.repeatMs[level] > 0 ? new Date(now.getTime() + this.opts.repeatMs[level]) : null);

      const seen = new Set<string>();
      for (const c of conditions) {
        const key = alertKey(merchantId, c.rule, c.subject);
        if (seen.has(key)) continue;
        seen.add(key);
        const row = byKey.get(key);
        const summary = c.summary;
        const fire = async (): Promise<void> => {
          const [r]: Array<{ id: string }> = await em.query(
            `INSERT INTO core.alerts (key, merchant_id, rule, subject, level, state, summary_zh, summary_en, details, first_fired_at, last_seen_at, next_repeat_at)
             VALUES ($1, $2, $3, $4, $5, 'firing', $6, $7, $8, $9, $9, $10)
             ON CONFLICT (key) DO UPDATE SET level = excluded.level, state = 'firing', summary_zh = excluded.summary_zh, summary_en = excluded.summary_en,
               details = excluded.details, pending_since = NULL, first_fired_at = excluded.first_fired_at, last_seen_at = excluded.last_seen_at,
               last_sent_at = NULL, next_repeat_at = excluded.next_repeat_at, resolved_at = NULL
             RETURNING id`,
            [key, merchantId, c.rule, c.subject, c.level, summary.zh, summary.en, JSON.stringify(c.details), now, repeatAt(c.level)],
          );
          out.fired.push(key);
          await enqueue(r.id, key, 'firing', c.level, summary);
        };
        if (!row) {
          if (c.forMs > 0) {
            await em.query(
              `INSERT INTO core.alerts (key, merchant_id, rule, subject, level, state, summary_zh, summary_en, details, pending_since, last_seen_at)
               VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $9)
               ON CONFLICT (key) DO UPDATE SET level = excluded.level, state = 'pending', summary_zh = excluded.summary_zh, summary_en = excluded.summary_en,
                 details = excluded.details, pending_since = excluded.pending_since, first_fired_at = NULL, last_seen_at = excluded.last_seen_at,
                 last_sent_at = NULL, next_repeat_at = NULL, resolved_at = NULL`,
              [key, merchantId, c.rule, c.subject, c.level, summary.zh, summary.en, JSON.stringify(c.details), now],
            );
          } else await fire();
          continue;
        }
        if (row.state === 'pending') {
          if (now.getTime() - new Date(row.pending_since ?? now).getTime() >= c.forMs) await fire();
          else await this.touch(em, row.id, c, now, null);
          continue;
        }
        // firing: a higher level is announced at once; otherwise repeated on the level's schedule
        if (levelRank(c.level) > levelRank(row.level)) {
          await this.touch(em, row.id, c, now, repeatAt(c.level));
          out.escalated.push(key);
          await enqueue(row.id, key, 'firing', c.level, summary);
        } else if (row.next_repeat_at !== null && new Date(row.next_repeat_at) <= now) {
          await this.touch(em, row.id, c, now, repeatAt(c.level));
          out.repeated.push(key);
          await enqueue(row.id, key, 'repeat', c.level, summary);
        } else {
          await this.touch(em, row.id, c, now, row.next_repeat_at === null ? repeatAt(c.level) : new Date(row.next_repeat_at));
        }
      }
      for (const row of open) {
        if (seen.has(row.key) || !judged(row.rule)) continue;
        await em.query(`UPDATE core.alerts SET state = 'resolved', resolved_at = $2, next_repeat_at = NULL WHERE id = $1`, [row.id, now]);
        if (row.state === 'firing') {
          out.resolved.push(row.key);
          // "resolved" goes to the channels that were told it fired (its level may have dropped since)
          const told: Array<{ channel_id: string }> = await em.query(
            `SELECT DISTINCT channel_id FROM core.alert_deliveries WHERE alert_id = $1 AND created_at >= $2 AND status <> 'silenced'`,
            [row.id, row.first_fired_at],
          );
          await enqueue(row.id, row.key, 'resolved', row.level, { zh: `已恢复: ${row.summary_zh}`, en: `Resolved: ${row.summary_en}` }, told.map((t) => t.channel_id));
        }
      }
    });
    return out;
  }

  /** GET /alerts: the merchant's (or, null, every merchant's) alerts that fired, firing first, newest first */
  async list(merchantId: string | null, limit = 500): Promise<AlertView[]> {
    const rows: Array<AlertRow & { silenced: boolean }> = await this.ds.query(
      `SELECT a.*, EXISTS (SELECT 1 FROM core.alert_silences s WHERE s.key = a.key AND s.expires_at > now()) AS silenced
         FROM core.alerts a
        WHERE ($1::uuid IS NULL OR a.merchant_id = $1::uuid) AND a.state IN ('firing', 'resolved') AND a.first_fired_at IS NOT NULL
        ORDER BY (a.state = 'firing') DESC, coalesce(a.resolved_at, a.first_fired_at) DESC, a.id DESC
        LIMIT $2`,
      [merchantId, limit],
    );
    const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
    return rows.map((r) => ({
      key: r.key,
      rule: r.rule,
      level: r.level,
      state: r.state as 'firing' | 'resolved',
      silenced: r.silenced,
      merchantId: r.merchant_id,
      summary: { zh: r.summary_zh, en: r.summary_en },
      firstFiredAt: iso(r.first_fired_at),
      lastSentAt: iso(r.last_sent_at),
      resolvedAt: iso(r.resolved_at),
    }));
  }

  private async touch(em: EntityManager, id: string, c: AlertCondition, now: Date, nextRepeatAt: Date | null): Promise<void> {
    await em.query(
      `UPDATE core.alerts SET level = $2, summary_zh = $3, summary_en = $4, details = $5, last_seen_at = $6, next_repeat_at = $7 WHERE id = $1`,
      [id, c.level, c.summary.zh, c.summary.en, JSON.stringify(c.details), now, nextRepeatAt],
    );
  }

  private async silencedKeys(em: EntityManager, keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows: Array<{ key: string }> = await em.query(`SELECT DISTINCT key FROM core.alert_silences WHERE key = ANY($1::text[]) AND expires_at > now()`, [keys]);
    return new Set(rows.map((r) => r.key));
  }
}
