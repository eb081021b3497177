import { alertRobotPurpose, createOutboundAxios, outboundRefusalOf, type OutboundPolicy, type OutboundPurpose } from '@app/net';
import { AxiosError, type AxiosInstance } from 'axios';
import type { AlertChannelKind } from '../alert-levels';
import { renderRobotRequest, type ChannelTarget } from './robot-formats';
import type { AlertMessage } from './robot-message';

/** What a channel answered to one message. */
export interface RobotAnswer {
  ok: boolean;
  /** the HTTP status; null when no answer came */
  status: number | null;
  /** the tool's own code (DingTalk / WeCom errcode, Feishu code), or ours: network, timeout, refused, http_<status> */
  code: string | null;
  /** the tool's message (errmsg / msg), bounded; never our secrets */
  message: string | null;
  /** worth sending again later (network, 5xx, 429, the tool's rate limit); false for configuration errors */
  retryable: boolean;
}

/** the tools' "too many messages" codes: retry later (3.1-3.3; DingTalk's 130101 and WeCom's 45009 are [U]) */
const RATE_LIMIT_CODES = new Set(['130101', '11232', '45009']);
const TIMEOUT_MS = 5000;
const MAX_RESPONSE_BYTES = 64 * 1024;

export function purposeOf(kind: AlertChannelKind): OutboundPurpose {
  return kind === 'webhook' ? 'webhook' : alertRobotPurpose(kind);
}

/**
 * Sends alert messages to a channel through the outbound URL policy (libs/net: the robot's production hosts or
 * an operator allowance; a generic webhook any public address; checked before each request and on connect),
 * and reads the tool's answer: DingTalk and WeCom answer HTTP 200 with `errcode`, Feishu with `code`.
 */
export class RobotClient {
  private readonly http = new Map<OutboundPurpose, AxiosInstance>();

  constructor(private readonly policy: OutboundPolicy) {}

  async send(target: ChannelTarget, message: AlertMessage): Promise<RobotAnswer> {
    const req = renderRobotRequest(target, message);
    let res;
    try {
      res = await this.client(purposeOf(target.kind)).post(req.url, req.body, { headers: req.headers, validateStatus: () => true, responseType: 'text', transformResponse: (x) => x });
    } catch (e) {
      return failure(e);
    }
    return readAnswer(target.kind, res.status, typeof res.data === 'string' ? res.data : '');
  }

  private client(purpose: OutboundPurpose): AxiosInstance {
    let c = this.http.get(purpose);
    if (!c) {
      c = createOutboundAxios({ policy: this.policy, purpose, timeoutMs: TIMEOUT_MS, maxResponseBytes: MAX_RESPONSE_BYTES, maxSockets: 8 });
      this.http.set(purpose, c);
    }
    return c;
  }
}

/** the tool's answer as a RobotAnswer (exported for the unit specs) */
export function readAnswer(kind: AlertChannelKind, status: number, text: string): RobotAnswer {
  let json: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch {
    json = null;
  }
  const httpFail = (): RobotAnswer => ({
    ok: false,
    status,
    code: `http_${status}`,
    message: bounded(typeof json?.message === 'string' ? json.message : text),
    retryable: status >= 500 || status === 429 || status === 408,
  });
  if (status < 200 || status >= 300) {
    // the tools answer their own codes with 200, but a 4xx may still carry one (Feishu answers 400 with code 9499 / 19021)
    const code = toolCode(kind, json);
    if (code !== null && code !== '0') return { ok: false, status, code, message: toolMessage(json), retryable: RATE_LIMIT_CODES.has(code) || status >= 500 };
    return httpFail();
  }
  if (kind === 'webhook') return { ok: true, status, code: null, message: null, retryable: false };
  const code = toolCode(kind, json);
  if (code === null) return { ok: false, status, code: 'unreadable_answer', message: bounded(text), retryable: true };
  if (code === '0') return { ok: true, status, code, message: toolMessage(json), retryable: false };
  return { ok: false, status, code, message: toolMessage(json), retryable: RATE_LIMIT_CODES.has(code) };
}

function toolCode(kind: AlertChannelKind, json: Record<string, unknown> | null): string | null {
  if (!json) return null;
  const v = kind === 'feishu' ? (json.code ?? json.StatusCode) : json.errcode;
  return typeof v === 'number' || typeof v === 'string' ? String(v) : null;
}

function toolMessage(json: Record<string, unknown> | null): string | null {
  const v = json?.errmsg ?? json?.msg ?? json?.StatusMessage;
  return typeof v === 'string' ? bounded(v) : null;
}

function bounded(s: string | null | undefined): string | null {
  if (!s) return null;
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f]+/g, ' ').slice(0, 200);
}

function failure(e: unknown): RobotAnswer {
  const refused = outboundRefusalOf(e);
  if (refused) return { ok: false, status: null, code: 'refused', message: bounded(refused.message), retryable: false };
  if (e instanceof AxiosError) {
    const code = e.code === 'ETIMEDOUT' || e.code === 'ECONNABORTED' ? 'timeout' : 'network';
    return { ok: false, status: null, code, message: bounded(e.message), retryable: true };
  }
  return { ok: false, status: null, code: 'network', message: bounded(e instanceof Error ? e.message : String(e)), retryable: true };
}
