import { randomUUID } from 'node:crypto';
import { BadRequestException, HttpException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { SecretBox, SecretBoxError } from '@app/persistence';
import { OutboundPolicy } from '@app/net';
import { assertOutboundUrlField } from '@app/net/net.module';
import { DataSource } from 'typeorm';
import { SIGNED_KINDS, type AlertChannelKind, type AlertLevel } from './alert-levels';
import { maskChannelUrl, openChannelSecrets, sealChannelSecrets } from './alert-channel-secrets';
import { AlertChannelView, type AlertChannelTestView, type CreateAlertChannelDto } from './dto/alert-channel.dto';
import { AlertMessageLog } from './alert-message-log';
import { purposeOf, RobotClient } from './robots/robot-client';
import type { ChannelTarget } from './robots/robot-formats';

/** whose channels: a merchant's, or (null) the operator's, which get every merchant's alerts */
export type ChannelOwner = string | null;

interface ChannelRow {
  id: string;
  merchant_id: string | null;
  kind: AlertChannelKind;
  name: string;
  url_display: string;
  credentials: Buffer;
  min_level: AlertLevel;
  created_at: Date;
  last_sent_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
}

/** a channel with its opened credentials, for the sender */
export interface OpenChannel extends ChannelTarget {
  id: string;
  merchantId: string | null;
  minLevel: AlertLevel;
}

/** the path each robot's webhook URL has (the tools hand these out; MARKETING-KUAISHOU-ALERTS.md section 3) */
const URL_SHAPES: Partial<Record<AlertChannelKind, { test: (u: URL) => boolean; expect: string }>> = {
  dingtalk: { test: (u) => u.pathname === '/robot/send' && !!u.searchParams.get('access_token'), expect: '…/robot/send?access_token=<token>' },
  feishu: { test: (u) => /^\/open-apis\/bot\/v2\/hook\/[^/]+$/.test(u.pathname), expect: '…/open-apis/bot/v2/hook/<token>' },
  wecom: { test: (u) => u.pathname === '/cgi-bin/webhook/send' && !!u.searchParams.get('key'), expect: '…/cgi-bin/webhook/send?key=<key>' },
};

/**
 * Alert channels (core.alert_channels): a merchant admin's own, or the operator's. Every statement on the table
 * is here. The URL goes through the outbound URL policy at save (robots: their production hosts or an operator
 * allowance; webhooks: public addresses) and again at every send; URL and secret are sealed to the channel id.
 */
@Injectable()
export class AlertChannelsService {
  private readonly logger = new Logger(AlertChannelsService.name);
  private readonly robots: RobotClient;

  constructor(
    private readonly ds: DataSource,
    private readonly box: SecretBox,
    private readonly outbound: OutboundPolicy,
    private readonly messages: AlertMessageLog,
  ) {
    this.robots = new RobotClient(outbound);
  }

  get client(): RobotClient {
    return this.robots;
  }

  async create(owner: ChannelOwner, keyId: string | null, dto: CreateAlertChannelDto): Promise<AlertChannelView> {
    const problems: string[] = [];
    const signs = SIGNED_KINDS.has(dto.kind);
    if (signs && !dto.secret) problems.push(`secret is required for kind ${dto.kind}`);
    if (!signs && dto.secret !== undefined) problems.push(`secret is not a field of kind ${dto.kind} (the key in its URL is the credential)`);
    const shape = URL_SHAPES[dto.kind];
    if (shape && !shape.test(new URL(dto.url))) problems.push(`url must be a ${dto.kind} webhook URL (${shape.expect})`);
    if (problems.length > 0) throw new BadRequestException(problems);
    await assertOutboundUrlField(this.outbound, 'url', dto.url, purposeOf(dto.kind));
    const id = randomUUID();
    const credentials = sealChannelSecrets(this.box, id, { url: dto.url, secret: dto.secret ?? null });
    const rows: ChannelRow[] = await this.ds.query(
      `INSERT INTO core.alert_channels (id, merchant_id, kind, name, url_display, credentials, min_level, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [id, owner, dto.kind, dto.name, maskChannelUrl(dto.kind, dto.url), credentials, dto.minLevel ?? 'warning', keyId],
    );
    this.logger.log(`${owner === null ? 'operator' : `merchant ${owner}`}: alert channel ${id} (${dto.kind}) added`);
    return view(rows[0]);
  }

  async list(owner: ChannelOwner): Promise<AlertChannelView[]> {
    const rows: ChannelRow[] = await this.ds.query(
      `SELECT * FROM core.alert_channels WHERE merchant_id IS NOT DISTINCT FROM $1::uuid ORDER BY created_at, id`,
      [owner],
    );
    return rows.map(view);
  }

  async remove(owner: ChannelOwner, id: string): Promise<void> {
    const res: unknown[] = await this.ds.query(`DELETE FROM core.alert_channels WHERE id = $1 AND merchant_id IS NOT DISTINCT FROM $2::uuid RETURNING id`, [id, owner]);
    // the driver answers [rows, count] for a DELETE; another owner's channel and an unknown id are the same 404
    const deleted = Array.isArray(res[0]) ? res[0] : res;
    if (deleted.length === 0) throw new NotFoundException(`no alert channel ${id}`);
  }

  /** sends a test message and returns the tool's answer; a refusal (bad signature, unknown token ...) is a 502 naming the tool's code */
  async test(owner: ChannelOwner, id: string): Promise<AlertChannelTestView> {
    const rows: ChannelRow[] = await this.ds.query(`SELECT * FROM core.alert_channels WHERE id = $1 AND merchant_id IS NOT DISTINCT FROM $2::uuid`, [id, owner]);
    if (rows.length === 0) throw new NotFoundException(`no alert channel ${id}`);
    const channel = this.open(rows[0]);
    if (!channel) throw new HttpException({ statusCode: 409, error: 'Conflict', message: 'the stored channel URL and secret cannot be decrypted: add the channel again' }, 409);
    const answer = await this.robots.send(channel, {
      at: new Date().toISOString(),
      items: [
        {
          key: `test:${id}`,
          rule: 'test',
          level: 'info',
          event: 'test',
          merchantId: owner,
          summary: { zh: `omnisync 告警通道测试: ${rows[0].name}`, en: `omnisync alert channel test: ${rows[0].name}` },
          since: new Date().toISOString(),
        },
      ],
    });
    await this.messages.record(id, 1, answer, true);
    const out: AlertChannelTestView = { ok: answer.ok, kind: channel.kind, status: answer.status, code: answer.code, message: answer.message };
    if (!answer.ok) {
      // the tool's code in the message: the app's error filter passes statusCode, error and message only
      throw new HttpException({ statusCode: 502, error: 'Bad Gateway', message: `${channel.kind} channel error: ${answer.code}${answer.message ? ` ${answer.message}` : ''}` }, 502);
    }
    return out;
  }

  async openById(id: string): Promise<OpenChannel | null> {
    const rows: ChannelRow[] = await this.ds.query(`SELECT * FROM core.alert_channels WHERE id = $1`, [id]);
    return rows.length === 0 ? null : this.open(rows[0]);
  }

  private open(row: ChannelRow): OpenChannel | null {
    try {
      const s = openChannelSecrets(this.box, row.id, row.credentials);
      return { id: row.id, merchantId: row.merchant_id, kind: row.kind, url: s.url, secret: s.secret, minLevel: row.min_level };
    } catch (e) {
      if (!(e instanceof SecretBoxError)) throw e;
      this.logger.error(`alert channel ${row.id}: credentials cannot be decrypted (${e.code})`);
      return null;
    }
  }
}

function view(r: ChannelRow): AlertChannelView {
  return Object.assign(new AlertChannelView(), {
    id: r.id,
    merchantId: r.merchant_id,
    kind: r.kind,
    name: r.name,
    url: r.url_display,
    signed: SIGNED_KINDS.has(r.kind),
    minLevel: r.min_level,
    createdAt: new Date(r.created_at).toISOString(),
    lastSentAt: r.last_sent_at ? new Date(r.last_sent_at).toISOString() : null,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at ? new Date(r.last_error_at).toISOString() : null,
  });
}
