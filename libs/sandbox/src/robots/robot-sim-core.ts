import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, readBody, sendJson } from '../core/http-util';

/** one message a robot simulator received, with what it answered */
export interface RobotReceived {
  /** the robot (DingTalk access_token, Feishu hook token, WeCom key) */
  robot: string;
  /** ms since epoch */
  at: number;
  /** the parsed JSON body (null when unreadable) */
  body: Record<string, any> | null;
  accepted: boolean;
  /** the tool's code answered (0 = accepted) */
  code: number;
  message: string;
}

export interface RobotSimulator {
  readonly kind: 'dingtalk' | 'feishu' | 'wecom';
  /** base URL, e.g. http://127.0.0.1:4301 */
  readonly url: string;
  readonly port: number;
  /** the webhook URL of a robot as the tool hands it out (with the simulator's host) */
  webhookUrl(robot: string): string;
  /** every message received, accepted or not, oldest first (optionally of one robot) */
  received(robot?: string): RobotReceived[];
  /** accepted messages only */
  accepted(robot?: string): RobotReceived[];
  clear(): void;
  /** `down`: every request answered 503 (a tool outage) */
  setFaults(f: { down?: boolean }): void;
  close(): Promise<void>;
}

export interface RobotSimOptions {
  port?: number;
  host?: string;
  /** robots by token: their signing secret (null: the robot has no 加签 / 签名校验) */
  robots: Record<string, { secret: string | null }>;
  /** messages per minute per robot before the tool refuses (default: the tool's documented limit) */
  perMinute?: number;
  /** after an overrun, how long the robot stays refused (DingTalk: 10 minutes) */
  banMs?: number;
  /** allowed clock difference of a signed timestamp (default 1 hour, the tools' window) */
  timestampWindowMs?: number;
}

export interface RobotVerdict {
  status: number;
  code: number;
  message: string;
  body: Record<string, any>;
}

/** the protocol part of one simulator: where the robot's token is, and how a request is judged */
export interface RobotProtocol {
  kind: RobotSimulator['kind'];
  /** the robot token from the request, or null when the path is not the tool's */
  robotOf(url: URL): string | null;
  webhookPath(robot: string): string;
  /** the answer for a request (signature, format) before the rate limit; null: well-formed and signed */
  judge(url: URL, body: Record<string, any> | null, robot: { secret: string | null } | undefined, now: number, windowMs: number): RobotVerdict | null;
  ok(): RobotVerdict;
  rateLimited(): RobotVerdict;
  defaultPerMinute: number;
  /** a second limit, per second (Feishu: 5/s) */
  perSecond?: number;
  defaultBanMs: number;
}

/**
 * A robot simulator over node:http: checks the signature (and its timestamp window), the message format and the
 * per-robot rate limit as the tool does (MARKETING-KUAISHOU-ALERTS.md section 3), answers with the tool's codes,
 * and records what it received. Admin: GET /__admin/received, DELETE /__admin/received, POST /__admin/faults {down}.
 */
export async function startRobotSimulator(protocol: RobotProtocol, o: RobotSimOptions): Promise<RobotSimulator> {
  const log: RobotReceived[] = [];
  const sentAt = new Map<string, number[]>();
  const bannedUntil = new Map<string, number>();
  const perMinute = o.perMinute ?? protocol.defaultPerMinute;
  const banMs = o.banMs ?? protocol.defaultBanMs;
  const windowMs = o.timestampWindowMs ?? 3_600_000;
  let down = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/__admin/')) {
      if (url.pathname === '/__admin/received' && req.method === 'GET') return sendJson(res, 200, { received: log });
      if (url.pathname === '/__admin/received' && req.method === 'DELETE') {
        log.length = 0;
        return sendJson(res, 200, { ok: true });
      }
      if (url.pathname === '/__admin/faults' && req.method === 'POST') {
        const f = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8') || '{}') as { down?: boolean };
        down = f.down === true;
        return sendJson(res, 200, { ok: true });
      }
      return sendJson(res, 404, { error: 'no such admin route' });
    }
    if (down) return sendJson(res, 503, { error: 'service unavailable' });
    const robot = req.method === 'POST' ? protocol.robotOf(url) : null;
    if (robot === null) return sendJson(res, 404, { error: 'not found' });
    let raw: Buffer;
    try {
      raw = await readBody(req, 20 * 1024);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return answer(res, robot, null, { status: 413, code: 413, message: 'request body too large', body: { error: 'request body too large' } });
      throw e;
    }
    let body: Record<string, any> | null = null;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      body = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, any>) : null;
    } catch {
      body = null;
    }
    const now = Date.now();
    const verdict = protocol.judge(url, body, o.robots[robot], now, windowMs);
    if (verdict) return answer(res, robot, body, verdict);
    // the rate limit: a robot over its limit is refused (and, for DingTalk, for banMs after)
    if ((bannedUntil.get(robot) ?? 0) > now) return answer(res, robot, body, protocol.rateLimited());
    const times = (sentAt.get(robot) ?? []).filter((t) => t > now - 60_000);
    const lastSecond = times.filter((t) => t > now - 1000).length;
    if (times.length >= perMinute || (protocol.perSecond !== undefined && lastSecond >= protocol.perSecond)) {
      if (times.length >= perMinute && banMs > 0) bannedUntil.set(robot, now + banMs);
      return answer(res, robot, body, protocol.rateLimited());
    }
    times.push(now);
    sentAt.set(robot, times);
    return answer(res, robot, body, protocol.ok());
  };

  const answer = (res: ServerResponse, robot: string, body: Record<string, any> | null, v: RobotVerdict): void => {
    log.push({ robot, at: Date.now(), body, accepted: v.code === 0, code: v.code, message: v.message });
    sendJson(res, v.status, v.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => sendJson(res, 500, { error: String(e) }));
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://${host}:${port}`;
  return {
    kind: protocol.kind,
    url: base,
    port,
    webhookUrl: (robot) => `${base}${protocol.webhookPath(robot)}`,
    received: (robot) => log.filter((r) => robot === undefined || r.robot === robot),
    accepted: (robot) => log.filter((r) => r.accepted && (robot === undefined || r.robot === robot)),
    clear: () => {
      log.length = 0;
      sentAt.clear();
      bannedUntil.clear();
    },
    setFaults: (f) => {
      down = f.down === true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
