import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AlertLevel } from './alert-levels';
import { AlertChannelsService } from './alert-channels.service';
import { AlertMessageLog } from './alert-message-log';
import { ALERTS_OPTIONS, type AlertsOptions } from './alerts.options';
import type { AlertMessageItem } from './robots/robot-message';

/** most alerts in one message (DingTalk and WeCom markdown bodies are small) */
const MAX_ITEMS = 20;
const MAX_ATTEMPTS = 8;
/** channels sent to at once (a robot that does not answer holds one slot for its 5 s timeout, not the others) */
const CHANNEL_CONCURRENCY = 4;
/** how often the sent history is pruned: messages after a day (the budget reads one minute), finished deliveries after a week */
const PRUNE_EVERY_MS = 600_000;

interface DueRow {
  id: string;
  alert_id: string;
  event: 'firing' | 'repeat' | 'resolved';
  level: AlertLevel;
  summary_zh: string;
  summary_en: string;
  attempts: number;
  key: string;
  rule: string;
  merchant_id: string;
  first_fired_at: Date | null;
  silenced: boolean;
}

export interface SendSummary {
  messages: number;
  delivered: number;
  failed: number;
  silenced: number;
  throttled: number;
}

/**
 * Drains the alert outbox (core.alert_deliveries). Per channel with a due row: within the channel's rate budget
 * (AlertMessageLog, the tool's documented limit less one), every pending row of the channel goes out as one
 * message (several alerts within the group window → one message; a row repeated while the channel was at its
 * budget is folded into the alert's latest line). A retryable answer (network, 5xx, the tool's rate-limit code)
 * is tried again with backoff; a configuration error (bad signature, unknown token) fails the rows and is kept on
 * the channel (`lastError`), never dropped silently.
 */
@Injectable()
export class AlertSenderService {
  private readonly logger = new Logger(AlertSenderService.name);
  private lastPrune = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly channels: AlertChannelsService,
    private readonly log: AlertMessageLog,
    @Inject(ALERTS_OPTIONS) private readonly opts: AlertsOptions,
  ) {}

  async drain(): Promise<SendSummary> {
    const sum: SendSummary = { messages: 0, delivered: 0, failed: 0, silenced: 0, throttled: 0 };
    const due: Array<{ channel_id: string }> = await this.ds.query(
      `SELECT channel_id FROM core.alert_deliveries WHERE status = 'pending' GROUP BY channel_id HAVING min(due_at) <= now() ORDER BY min(due_at)`,
    );
    const queue = due.map((d) => d.channel_id);
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await this.drainChannel(id, sum);
    };
    await Promise.all(Array.from({ length: Math.min(CHANNEL_CONCURRENCY, queue.length) }, worker));
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.prune();
    }
    return sum;
  }

  /** drops history nothing reads any more (the rate budget reads the last minute; GET /alerts reads core.alerts) */
  async prune(): Promise<void> {
    await this.ds.query(`DELETE FROM core.alert_deliveries WHERE status <> 'pending' AND created_at < now() - interval '7 days'`);
    await this.ds.query(`DELETE FROM core.alert_messages WHERE sent_at < now() - interval '1 day'`);
    await this.ds.query(`DELETE FROM core.alerts WHERE state = 'resolved' AND coalesce(resolved_at, last_seen_at) < now() - interval '30 days'`);
  }

  private async drainChannel(channelId: string, sum: SendSummary): Promise<void> {
    const channel = await this.channels.openById(channelId);
    if (!channel) {
      await this.ds.query(`UPDATE core.alert_deliveries SET status = 'failed', last_error = 'channel credentials unreadable' WHERE channel_id = $1 AND status = 'pending'`, [channelId]);
      return;
    }
    const rows: DueRow[] = await this.ds.query(
      `SELECT d.id, d.alert_id, d.event, d.level, d.summary_zh, d.summary_en, d.attempts, a.key, a.rule, a.merchant_id, a.first_fired_at,
              EXISTS (SELECT 1 FROM core.alert_silences s WHERE s.key = a.key AND s.expires_at > now()) AS silenced
         FROM core.alert_deliveries d JOIN core.alerts a ON a.id = d.alert_id
        WHERE d.channel_id = $1 AND d.status = 'pending' AND d.due_at <= now() + make_interval(secs => $2 / 1000.0)
        ORDER BY d.id LIMIT 200`,
      [channelId, this.opts.groupWindowMs],
    );
    const quiet = rows.filter((r) => r.silenced);
    if (quiet.length > 0) {
      await this.ds.query(`UPDATE core.alert_deliveries SET status = 'silenced' WHERE id = ANY($1::bigint[])`, [quiet.map((r) => r.id)]);
      sum.silenced += quiet.length;
    }
    const live = rows.filter((r) => !r.silenced);
    if (live.length === 0) return;
    if (!(await this.log.withinBudget(channelId, channel.kind))) {
      sum.throttled += live.length;
      return;
    }
    // one line per alert: its latest event (a firing and its repeats queued while throttled are one line)
    const latest = new Map<string, DueRow>();
    for (const r of live) latest.set(r.key, r);
    const lines = [...latest.values()].slice(0, MAX_ITEMS);
    const carried = new Set(lines.map((l) => l.key));
    const batch = live.filter((r) => carried.has(r.key));
    const items: AlertMessageItem[] = lines.map((r) => ({
      key: r.key,
      rule: r.rule,
      level: r.level,
      event: r.event,
      merchantId: r.merchant_id,
      summary: { zh: r.summary_zh, en: r.summary_en },
      since: r.first_fired_at ? new Date(r.first_fired_at).toISOString() : new Date().toISOString(),
    }));
    const answer = await this.channels.client.send(channel, { at: new Date().toISOString(), items });
    const ids = batch.map((r) => r.id);
    await this.ds.transaction(async (em) => {
      const messageId = await this.log.record(channelId, items.length, answer, false, em);
      if (answer.ok) {
        await em.query(`UPDATE core.alert_deliveries SET status = 'sent', sent_at = now(), message_id = $2, attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [ids, messageId]);
        await em.query(`UPDATE core.alerts SET last_sent_at = now() WHERE id = ANY($1::bigint[])`, [[...new Set(batch.map((r) => r.alert_id))]]);
        return;
      }
      const error = `${channel.kind} ${answer.code ?? 'error'}${answer.message ? `: ${answer.message}` : ''}`.slice(0, 300);
      const attempts = Math.max(...batch.map((r) => r.attempts)) + 1;
      if (answer.retryable && attempts < MAX_ATTEMPTS) {
        const delayMs = Math.min(300_000, 2000 * 2 ** attempts);
        await em.query(
          `UPDATE core.alert_deliveries SET attempts = attempts + 1, last_error = $2, message_id = $3, due_at = now() + make_interval(secs => $4 / 1000.0) WHERE id = ANY($1::bigint[])`,
          [ids, error, messageId, delayMs],
        );
      } else {
        await em.query(`UPDATE core.alert_deliveries SET status = 'failed', attempts = attempts + 1, last_error = $2, message_id = $3 WHERE id = ANY($1::bigint[])`, [ids, error, messageId]);
      }
    });
    sum.messages += 1;
    if (answer.ok) sum.delivered += batch.length;
    else {
      sum.failed += batch.length;
      this.logger.warn(`alert channel ${channelId} (${channel.kind}): ${answer.code} ${answer.message ?? ''} (${answer.retryable ? 'will retry' : 'not retried'})`);
    }
  }
}
