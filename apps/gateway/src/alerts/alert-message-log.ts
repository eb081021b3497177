import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RobotAnswer } from './robots/robot-client';

/** per kind: messages a channel may be sent per minute and per second (MARKETING-KUAISHOU-ALERTS.md section 3), one under each limit */
export const CHANNEL_BUDGETS = {
  // 20/min per robot; over it the robot is throttled for 10 minutes
  dingtalk: { perMinute: 19, perSecond: null },
  // 100/min and 5/s per bot
  feishu: { perMinute: 99, perSecond: 4 },
  // 20/min per robot
  wecom: { perMinute: 19, perSecond: null },
  // ours: a receiver we do not know
  webhook: { perMinute: 60, perSecond: 5 },
} as const;

/** core.alert_messages: one row per HTTP message to a channel (tests included), which is what the rate budget counts */
@Injectable()
export class AlertMessageLog {
  constructor(private readonly ds: DataSource) {}

  /** records a message sent and its answer on the channel (last_sent_at / last_error); returns the message id */
  async record(channelId: string, items: number, answer: RobotAnswer, isTest: boolean, em: EntityManager = this.ds.manager): Promise<string> {
    const rows: Array<{ id: string }> = await em.query(
      `INSERT INTO core.alert_messages (channel_id, items, ok, code, is_test) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [channelId, items, answer.ok, answer.code, isTest],
    );
    if (answer.ok) await em.query(`UPDATE core.alert_channels SET last_sent_at = now() WHERE id = $1`, [channelId]);
    else
      await em.query(`UPDATE core.alert_channels SET last_error = $2, last_error_at = now() WHERE id = $1`, [
        channelId,
        `${answer.code ?? 'error'}${answer.message ? ` ${answer.message}` : ''}${answer.status !== null ? ` (HTTP ${answer.status})` : ''}`.slice(0, 300),
      ]);
    return rows[0].id;
  }

  /** whether one more message to the channel stays within its budget (counting every message of the last minute / second) */
  async withinBudget(channelId: string, kind: keyof typeof CHANNEL_BUDGETS): Promise<boolean> {
    const b = CHANNEL_BUDGETS[kind];
    const rows: Array<{ minute: number; second: number }> = await this.ds.query(
      `SELECT count(*)::int AS minute, count(*) FILTER (WHERE sent_at > now() - interval '1 second')::int AS second
         FROM core.alert_messages WHERE channel_id = $1 AND sent_at > now() - interval '60 seconds'`,
      [channelId],
    );
    return rows[0].minute < b.perMinute && (b.perSecond === null || rows[0].second < b.perSecond);
  }
}
