import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { taobaoSign } from '@app/platforms/signing';
import { TmcKind, TmcMessageType, decodeTmcFrame, encodeTmcFrame, type TmcFrame } from '@app/platforms/taobao/taobao.tmc-frame';
import { TAOBAO_MAX_SKEW_SEC } from './taobao.verify';
import type { TmcMessage, TmcQueue } from './tmc-queue';

interface Connection {
  ws: WebSocket;
  appKey: string | null;
  group: string;
  token: string | null;
}

export interface TmcSocketStats {
  connections: number;
  handshakes: number;
  refused: number;
  pushed: number;
  confirmed: number;
  pulls: number;
  badFrames: number;
}

/** the most pushed to one connection at a time (the HTTP consume's maximum quantity) */
const PUSH_BATCH = 200;

/**
 * The simulator's TMC WebSocket (PROTOCOLS.md 2.4; frames per tmcpy's messageio, see
 * libs/platforms/src/taobao/taobao.tmc-frame.ts), served on the simulator's own HTTP port, any path (the
 * adapter uses `/`, as ws://mc.api.taobao.com/ is in production).
 *
 * - CONNECT must come first: app_key known, sign = TOP md5 over app_key, group_name, timestamp (ms) with the
 *   app's secret, timestamp within 10 minutes. Accepted: CONNECTACK status 0 with a token. Refused: CONNECTACK
 *   with a non-zero status code and phrase, then close. The status codes are the simulator's (TOP's HTTP
 *   codes 25 / 29 / 31); what the real server answers is unconfirmed.
 * - Messages are pushed as SEND frames (`__kind` 3, id u64, topic, content, pub_app_key, pub_time as a date,
 *   user_id, user_nick) the moment they are published, taken from the same TmcQueue as the HTTP consume, so
 *   they are in flight under the connection's group and an unconfirmed one comes back after
 *   `tmcRedeliverAfterMs` (pushed again on a sweep) exactly as over HTTP.
 * - Confirm (`__kind` 2, id, the connection's token) confirms under the connection's group; PullRequest
 *   (`__kind` 1) pushes what is ready and is answered with a SENDACK.
 * - `setDown(true)` drops every connection and refuses upgrades (503) until `setDown(false)`; so does the
 *   simulator's `down` fault (POST /__admin/faults {down}), within a sweep.
 */
export class TmcSocketServer {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly conns = new Set<Connection>();
  private rr = 0;
  private down = false;
  private sweep: NodeJS.Timeout | null = null;
  readonly stats: Omit<TmcSocketStats, 'connections'> = { handshakes: 0, refused: 0, pushed: 0, confirmed: 0, pulls: 0, badFrames: 0 };

  constructor(
    private readonly queueFor: (appKey: string) => TmcQueue,
    private readonly secretFor: (appKey: string) => string | null,
    private readonly redeliverAfterMs: () => number,
    /** the simulator's `down` fault: the message service is down with the API */
    private readonly platformDown: () => boolean = () => false,
  ) {}

  snapshot(): TmcSocketStats {
    return { ...this.stats, connections: [...this.conns].filter((c) => c.token !== null).length };
  }

  /** open (handshaken) connections of an app */
  connections(appKey: string): number {
    return [...this.conns].filter((c) => c.appKey === appKey && c.token !== null).length;
  }

  setDown(down: boolean): void {
    this.down = down;
    if (down) for (const c of this.conns) c.ws.terminate();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.down || this.platformDown()) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** a message was published (or queued again) for an app: push it to one of the app's connections */
  notify(appKey: string): void {
    const list = [...this.conns].filter((c) => c.appKey === appKey && c.token !== null && c.ws.readyState === WebSocket.OPEN);
    if (list.length === 0) return;
    this.pushTo(list[this.rr++ % list.length]!);
  }

  close(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const conn: Connection = { ws, appKey: null, group: 'default', token: null };
    this.conns.add(conn);
    ws.on('close', () => this.conns.delete(conn));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      let frame: TmcFrame;
      try {
        if (!isBinary) throw new Error('text frame');
        frame = decodeTmcFrame(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
      } catch {
        this.stats.badFrames++;
        ws.close(1003, 'bad frame');
        return;
      }
      if (conn.token === null) this.handshake(conn, frame);
      else this.onSend(conn, frame);
    });
    this.ensureSweep();
  }

  private refuse(conn: Connection, statusCode: number, statusPhrase: string): void {
    this.stats.refused++;
    conn.ws.send(encodeTmcFrame({ messageType: TmcMessageType.ConnectAck, statusCode, statusPhrase, content: {} }), () => conn.ws.close(1008, statusPhrase.slice(0, 100)));
  }

  private handshake(conn: Connection, f: TmcFrame): void {
    if (f.messageType !== TmcMessageType.Connect) return this.refuse(conn, 400, 'CONNECT expected first');
    const appKey = typeof f.content.app_key === 'string' ? f.content.app_key : '';
    const group = typeof f.content.group_name === 'string' && f.content.group_name !== '' ? f.content.group_name : 'default';
    const timestamp = f.content.timestamp === undefined || f.content.timestamp === null ? '' : String(f.content.timestamp);
    const sign = typeof f.content.sign === 'string' ? f.content.sign : '';
    const secret = appKey ? this.secretFor(appKey) : null;
    if (!secret) return this.refuse(conn, 29, `Invalid app Key: ${appKey}`);
    if (taobaoSign({ app_key: appKey, group_name: group, timestamp }, secret, 'md5') !== sign.toUpperCase()) return this.refuse(conn, 25, 'Invalid signature');
    const at = Number(timestamp);
    if (!Number.isFinite(at) || Math.abs(Date.now() - at) > TAOBAO_MAX_SKEW_SEC * 1000) return this.refuse(conn, 31, `Invalid timestamp ${timestamp}: milliseconds within 10 minutes of server time`);
    conn.appKey = appKey;
    conn.group = group;
    conn.token = randomUUID();
    this.stats.handshakes++;
    conn.ws.send(encodeTmcFrame({ messageType: TmcMessageType.ConnectAck, statusCode: 0, token: conn.token, content: {} }));
    // what queued while no one was connected
    this.pushTo(conn);
  }

  private onSend(conn: Connection, f: TmcFrame): void {
    if (f.messageType !== TmcMessageType.Send) return;
    if (f.token !== conn.token) {
      this.stats.badFrames++;
      conn.ws.close(1008, 'bad token');
      return;
    }
    const kind = Number(f.content.__kind);
    if (kind === TmcKind.Confirm) {
      const id = f.content.id === null || f.content.id === undefined ? '' : String(f.content.id);
      if (!id) return;
      this.queueFor(conn.appKey!).confirm([id], [], conn.group);
      this.stats.confirmed++;
    } else if (kind === TmcKind.PullRequest) {
      this.stats.pulls++;
      conn.ws.send(encodeTmcFrame({ messageType: TmcMessageType.SendAck, statusCode: 0, token: conn.token!, content: {} }));
      this.pushTo(conn);
    }
  }

  private pushTo(conn: Connection): void {
    if (conn.token === null || conn.ws.readyState !== WebSocket.OPEN) return;
    const msgs = this.queueFor(conn.appKey!).consume(PUSH_BATCH, Date.now(), conn.group);
    for (const m of msgs) conn.ws.send(dataFrame(m));
    this.stats.pushed += msgs.length;
  }

  /** redelivery of unconfirmed messages (TmcQueue moves them back to ready when due, in consume) */
  private ensureSweep(): void {
    if (this.sweep) return;
    const every = Math.max(20, Math.min(250, Math.floor(this.redeliverAfterMs() / 4)));
    this.sweep = setInterval(() => {
      if (this.conns.size === 0) return;
      if (this.platformDown()) {
        for (const c of this.conns) c.ws.terminate();
        return;
      }
      const apps = new Set([...this.conns].filter((c) => c.token !== null).map((c) => c.appKey!));
      for (const app of apps) this.notify(app);
    }, every);
    this.sweep.unref();
  }
}

function dataFrame(m: TmcMessage): Buffer {
  const id = (s: string) => (/^\d+$/.test(s) ? BigInt(s) : s);
  return encodeTmcFrame({
    messageType: TmcMessageType.Send,
    content: {
      __kind: TmcKind.Data,
      id: id(m.id),
      topic: m.topic,
      content: m.content,
      pub_app_key: m.pubAppKey,
      pub_time: new Date(m.pubTime),
      user_id: id(m.userId),
      user_nick: m.userNick,
    },
  });
}
