import axios, { AxiosHeaders, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import { isUpstreamError } from '@app/contracts';
import { createErpConnector } from './erp-connector.factory';
import type { ErpConnectorOptions } from './erp-options';
import { erpTestEnvelope } from './erp-connection.factory';

export interface ErpTestSendReport {
  connector: ErpConnectorOptions['connector'];
  sent: boolean;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  response: { status: number | null; ok: boolean; error: string | null; excerpt: string | null } | null;
}

const EXCERPT_CHARS = 200;
/** form fields of a Jushuitan request that are secrets: shown as [redacted] */
const SECRET_FORM_FIELDS = ['access_token'];
const SHOWN_HEADERS = /^(content-type|x-omnisync-.*|idempotency-key)$/i;

/** stops a dry run at the adapter, after the request was recorded */
class DryRun extends Error {}

/**
 * Builds the exact request the merchant's ERP would get for a sample order — by running the real connector
 * with an adapter that records what axios would put on the wire — and, with `send`, sends it and reports the
 * ERP's status with a short sanitised excerpt of its answer. Secrets never appear in the report: form secrets
 * are masked and every secret value is scrubbed from the excerpt.
 */
export async function erpTestSend(
  options: ErpConnectorOptions,
  shopId: string,
  send: boolean,
  secrets: string[],
): Promise<ErpTestSendReport> {
  let request: ErpTestSendReport['request'] | null = null;
  let status: number | null = null;
  let raw: unknown = null;
  const http = axios.getAdapter(axios.defaults.adapter);
  const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig) => {
    request = describe(config);
    if (!send) throw new DryRun('dry run');
    try {
      const res = await http(config);
      status = res.status;
      raw = res.data;
      return res;
    } catch (e) {
      if (axios.isAxiosError(e) && e.response) {
        status = e.response.status;
        raw = e.response.data;
      }
      throw e;
    }
  };
  // the connector owns a fresh breaker: a test never opens (or is refused by) the delivery path's breaker
  const connector = createErpConnector({ ...options, adapter });
  let ok = false;
  let error: string | null = null;
  let message: string | null = null;
  try {
    const [result] = await connector.pushOrders([erpTestEnvelope(shopId)]);
    ok = result?.ok === true;
    if (result && !result.ok) {
      error = result.error.kind;
      message = result.error.message;
    }
  } catch (e) {
    if (!send && request !== null) ok = false;
    else if (isUpstreamError(e)) {
      error = e.kind;
      message = e.message;
    } else {
      error = 'error';
      message = e instanceof Error ? e.message : String(e);
    }
  } finally {
    (connector as { onModuleDestroy?: () => void }).onModuleDestroy?.();
  }
  if (request === null) throw new Error('the connector built no request');
  return {
    connector: options.connector,
    sent: send,
    request,
    response: send
      ? { status, ok, error, excerpt: sanitise(raw !== null && raw !== undefined && raw !== '' ? raw : message, secrets) }
      : null,
  };

  function describe(config: InternalAxiosRequestConfig): ErpTestSendReport['request'] {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(AxiosHeaders.from(config.headers).toJSON())) {
      if (SHOWN_HEADERS.test(k) && v !== undefined && v !== null) headers[k] = String(v);
    }
    let body = typeof config.data === 'string' ? config.data : JSON.stringify(config.data ?? '');
    if (/x-www-form-urlencoded/i.test(headers['Content-Type'] ?? headers['content-type'] ?? '')) {
      const form = new URLSearchParams(body);
      for (const f of SECRET_FORM_FIELDS) if (form.has(f)) form.set(f, '[redacted]');
      body = form.toString();
    }
    const base = (config.baseURL ?? '').replace(/\/+$/, '');
    return { method: (config.method ?? 'post').toUpperCase(), url: `${base}${config.url ?? ''}`, headers, body };
  }
}

/** ≤ 200 printable characters, every secret value replaced: what an ERP answered, never more of it. */
export function sanitise(value: unknown, secrets: string[]): string | null {
  if (value === null || value === undefined) return null;
  let text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : safeJson(value);
  for (const s of secrets) if (s.length > 0) text = text.split(s).join('[redacted]');
  // control characters (and anything that could break a log line or a terminal) become spaces
  text = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
