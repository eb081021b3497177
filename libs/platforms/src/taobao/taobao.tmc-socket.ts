import WebSocket from 'ws';
import { OutboundPolicy, createOutboundAgents, platformPurpose } from '@app/net';
import { formatGmt8, taobaoSign } from '../signing';
import type { MessageServiceApp, MessageServiceSocket, MessageSocketOptions } from '../capabilities';
import type { PushMessage } from '../platform-adapter.port';
import { TmcKind, TmcMessageType, decodeTmcFrame, encodeTmcFrame, type TmcFrame, type TmcValue } from './taobao.tmc-frame';
import { tmcMessageToPush } from './taobao.tmc';

/** TOP router hosts whose message service is the production one */
const PRODUCTION_ROUTER_HOSTS = new Set(['eco.taobao.com', 'gw.api.taobao.com']);
/** PROTOCOLS.md 2.4; tmcpy's own example connects to the sandbox twin ws://mc.api.tbsandbox.com/ */
export const TMC_PRODUCTION_URL = 'ws://mc.api.taobao.com/';

/**
 * The message service URL for a shop's TOP base URL: the production router (eco / gw.api.taobao.com)
 * pushes from ws://mc.api.taobao.com/; any other base URL (the simulator, a test server) serves the
 * socket itself, at its own origin, path `/` (ws for http, wss for https).
 */
export function tmcSocketUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  if (PRODUCTION_ROUTER_HOSTS.has(u.hostname.toLowerCase())) return TMC_PRODUCTION_URL;
  return `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}/`;
}

/**
 * The CONNECT sign: TOP's md5 sign over app_key, group_name and timestamp (ms) — tmcpy client.py
 * `create_sign`, and the `taobao-tmc-connect` vector in sign-vectors.json.
 */
export function tmcConnectSign(appKey: string, groupName: string, timestampMs: string, appSecret: string): string {
  return taobaoSign({ app_key: appKey, group_name: groupName, timestamp: timestampMs }, appSecret, 'md5');
}

/** tmcpy sends this `sdk` value in its CONNECT; whether the server checks it is unconfirmed */
export const TMC_SDK = 'top-sdk-java-201403304';

/** the CONNECT frame as tmcpy's `on_open` builds it: protocol 2, type CONNECT, flag 1, the five custom headers */
export function tmcConnectFrame(app: { appKey: string; appSecret: string }, groupName: string, nowMs: number): Buffer {
  const timestamp = String(nowMs);
  return encodeTmcFrame({
    messageType: TmcMessageType.Connect,
    flag: 1,
    content: { timestamp, app_key: app.appKey, sdk: TMC_SDK, sign: tmcConnectSign(app.appKey, groupName, timestamp, app.appSecret), group_name: groupName },
  });
}

/** a Confirm (tmcpy utils.confirm_message): SEND with the connection's token, __kind 2 and the message id */
export function tmcConfirmFrame(token: string, id: string): Buffer {
  return encodeTmcFrame({ messageType: TmcMessageType.Send, token, content: { __kind: TmcKind.Confirm, id: /^\d+$/.test(id) ? BigInt(id) : id } });
}

/** a PullRequest (tmcpy utils.query_message): SEND with the token and __kind 1 */
export function tmcPullFrame(token: string): Buffer {
  return encodeTmcFrame({ messageType: TmcMessageType.Send, token, content: { __kind: TmcKind.PullRequest } });
}

function text(v: TmcValue | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return formatGmt8(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}

/**
 * A pushed SEND frame -> the record tmcMessageToPush reads (the HTTP consume's tmc_message fields). The field
 * names (id, topic, content, pub_app_key, pub_time, user_id, user_nick) are PROTOCOLS.md's; tmcpy itself only
 * reads `id` and JSON-decodes `content`. pub_time may come as a date value or a GMT+8 string (which one the
 * server sends is unconfirmed); both are accepted. Returns null for a frame that is not a message.
 */
export function tmcDataRecord(frame: TmcFrame): Record<string, unknown> | null {
  if (frame.messageType !== TmcMessageType.Send) return null;
  const c = frame.content;
  const kind = c.__kind;
  // tmcpy treats every server SEND as a message; __kind 3 (Data) is PROTOCOLS.md's
  if (kind !== undefined && kind !== null && Number(kind) !== TmcKind.Data) return null;
  const id = text(c.id);
  if (!id) return null;
  return { id, topic: text(c.topic) ?? '', content: text(c.content) ?? '', pub_app_key: text(c.pub_app_key), pub_time: text(c.pub_time), user_id: text(c.user_id), user_nick: text(c.user_nick) };
}

export interface TaobaoTmcSocketOptions extends MessageSocketOptions {
  url: string;
  outbound?: OutboundPolicy;
  handshakeTimeoutMs?: number;
  /** pushed messages held for take(); beyond it new ones are dropped unconfirmed (redelivered later) */
  maxBuffered?: number;
  now?: () => number;
}

/**
 * The TMC WebSocket client: connects through the outbound URL policy (mc.api.taobao.com is a Taobao
 * production host in the manifest), sends the signed CONNECT, takes the CONNECTACK's token, buffers pushed
 * messages, confirms over the socket, pings (heartbeat) and sends a PullRequest now and then, and
 * reconnects with exponential backoff. Nothing is confirmed by the client itself: tmcpy confirms on
 * receipt; we confirm only what the caller has committed (confirm()).
 *
 * From tmcpy (client.py): the CONNECT content and sign, the token from CONNECTACK, SEND = a pushed message,
 * Confirm / PullRequest frames with the token; tmcpy's pull interval is 50 s. Unconfirmed (not in tmcpy): a
 * non-zero CONNECTACK status code means refused (tmcpy never looks at it; PROTOCOLS.md says so), that the server
 * answers WebSocket pings (RFC 6455 requires it), and that a confirm for a message delivered on an earlier
 * connection is accepted (we send those over HTTP instead).
 */
export class TaobaoTmcSocket implements MessageServiceSocket {
  private ws: WebSocket | null = null;
  private token: string | null = null;
  private isUp = false;
  private closed = false;
  private attempts = 0;
  private error: string | null = null;
  private buffer: PushMessage[] = [];
  /** delivered on the current connection, not confirmed yet */
  private delivered = new Set<string>();
  private waiters = new Set<() => void>();
  private timers: NodeJS.Timeout[] = [];
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly policy: OutboundPolicy;
  private readonly o: Required<Omit<TaobaoTmcSocketOptions, 'outbound' | 'log' | 'url'>>;
  /** counters for tests and metrics */
  readonly stats = { connects: 0, refused: 0, received: 0, confirmed: 0, dropped: 0, badFrames: 0 };

  constructor(
    private readonly app: MessageServiceApp,
    private readonly groupName: string,
    private readonly options: TaobaoTmcSocketOptions,
  ) {
    this.policy = options.outbound ?? new OutboundPolicy();
    this.o = {
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      pingIntervalMs: options.pingIntervalMs ?? 15_000,
      pullIntervalMs: options.pullIntervalMs ?? 30_000,
      reconnectMinMs: options.reconnectMinMs ?? 500,
      reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
      maxBuffered: options.maxBuffered ?? 10_000,
      now: options.now ?? Date.now,
    };
  }

  get up(): boolean {
    return this.isUp;
  }

  get lastError(): string | null {
    return this.error;
  }

  start(): this {
    if (!this.ws && !this.closed && !this.reconnectTimer) this.connect();
    return this;
  }

  take(max: number): PushMessage[] {
    return this.buffer.splice(0, Math.max(0, max));
  }

  waitForMessages(maxMs: number): Promise<void> {
    if (this.buffer.length > 0 || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.waiters.add(done);
    });
  }

  confirm(ids: string[]): string[] {
    const ws = this.ws;
    if (!this.isUp || !ws || ws.readyState !== WebSocket.OPEN || this.token === null) return [];
    const sent: string[] = [];
    for (const id of ids) {
      if (!this.delivered.has(id)) continue;
      ws.send(tmcConfirmFrame(this.token, id));
      this.delivered.delete(id);
      sent.push(id);
    }
    this.stats.confirmed += sent.length;
    return sent;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.ws;
    this.teardown();
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000);
        ws.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        ws.close();
      });
    }
    this.wake();
  }

  private log(level: 'log' | 'warn' | 'error', message: string): void {
    this.options.log?.(level, `TMC socket ${this.app.appKey}/${this.groupName}: ${message}`);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private connect(): void {
    this.reconnectTimer = null;
    const url = this.options.url;
    let agent;
    try {
      // the policy speaks http(s): ws is checked as http, wss as https; the agent re-checks the address on connect
      const checked = this.policy.checkUrl(url.replace(/^ws(s?):/i, 'http$1:'), platformPurpose('taobao'));
      const agents = createOutboundAgents(this.policy, platformPurpose('taobao'), { keepAlive: false });
      agent = checked.url.protocol === 'https:' ? agents.https : agents.http;
    } catch (e) {
      this.failed(`refused by the outbound URL policy: ${String(e)}`);
      return;
    }
    this.stats.connects++;
    const ws = new WebSocket(url, { agent, handshakeTimeout: this.o.handshakeTimeoutMs, perMessageDeflate: false });
    this.ws = ws;
    let alive = true;
    const handshake = setTimeout(() => {
      this.error = `no CONNECTACK within ${this.o.handshakeTimeoutMs} ms`;
      ws.terminate();
    }, this.o.handshakeTimeoutMs);
    this.timers.push(handshake);
    ws.on('open', () => {
      ws.send(tmcConnectFrame(this.app, this.groupName, this.o.now()));
    });
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', (data, isBinary) => {
      if (this.ws !== ws) return;
      if (!isBinary) {
        this.stats.badFrames++;
        this.log('warn', 'text frame ignored (TMC frames are binary)');
        return;
      }
      let frame: TmcFrame;
      try {
        frame = decodeTmcFrame(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
      } catch (e) {
        // not confirmed: the server delivers it again; counted so a bad stream shows
        this.stats.badFrames++;
        this.log('error', String(e));
        return;
      }
      if (frame.messageType === TmcMessageType.ConnectAck) {
        clearTimeout(handshake);
        if (frame.statusCode !== undefined && frame.statusCode !== 0) {
          this.stats.refused++;
          this.error = `handshake refused: ${frame.statusCode} ${frame.statusPhrase ?? ''}`.trim();
          this.log('error', this.error);
          ws.close();
          return;
        }
        this.token = frame.token ?? '';
        this.isUp = true;
        this.error = null;
        this.attempts = 0;
        this.log('log', 'connected');
        this.timers.push(
          setInterval(() => {
            if (!alive) {
              this.error = 'no pong to the last ping';
              ws.terminate();
              return;
            }
            alive = false;
            ws.ping();
          }, this.o.pingIntervalMs),
          setInterval(() => {
            if (ws.readyState === WebSocket.OPEN && this.token !== null) ws.send(tmcPullFrame(this.token));
          }, this.o.pullIntervalMs),
        );
        for (const t of this.timers.slice(-2)) t.unref();
        // ask at once for what queued while we were away
        ws.send(tmcPullFrame(this.token));
        this.wake();
        return;
      }
      const record = tmcDataRecord(frame);
      if (!record) return; // SENDACK (answer to a PullRequest) or another kind
      if (this.buffer.length >= this.o.maxBuffered) {
        this.stats.dropped++;
        return;
      }
      const message = tmcMessageToPush(record);
      this.stats.received++;
      this.delivered.add(message.messageId);
      this.buffer.push(message);
      this.wake();
    });
    ws.on('error', (e) => {
      this.error = String(e);
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      const wasUp = this.isUp;
      this.teardown();
      if (wasUp) this.log('warn', `connection closed (${code} ${reason.toString()})`);
      if (!this.error && !wasUp) this.error = `closed before the handshake (${code} ${reason.toString()})`;
      this.failed(this.error ?? `closed (${code})`);
    });
  }

  /** drops the connection's state: its buffered, unconfirmed messages come back from the server */
  private teardown(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.ws?.removeAllListeners('message');
    this.ws = null;
    this.token = null;
    const wasUp = this.isUp;
    this.isUp = false;
    this.buffer = [];
    this.delivered.clear();
    if (wasUp) this.wake();
  }

  private failed(why: string): void {
    this.error = why;
    if (this.closed) return;
    this.attempts++;
    const base = Math.min(this.o.reconnectMaxMs, this.o.reconnectMinMs * 2 ** (this.attempts - 1));
    const wait = Math.round(base * (0.75 + Math.random() * 0.5));
    if (this.attempts === 1 || this.attempts % 10 === 0) this.log('warn', `down (${why}); reconnecting in ${wait} ms (attempt ${this.attempts})`);
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
    this.reconnectTimer.unref();
  }
}
