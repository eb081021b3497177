import { LosslessNumber } from 'lossless-json';
import { douyinParamJson, douyinSign, parseGmt8, type DouyinSignMethod } from '@app/platforms/signing';
import { parseJsonObject } from '../core/lossless';
import { SimError } from '../core/sim-error';

export interface DouyinRequestParts {
  /** URL path, e.g. /order/searchList */
  path: string;
  /** query-string system parameters */
  query: Record<string, string | undefined>;
  /** the raw body text (param_json) */
  rawBody: string;
}

export interface DouyinVerified {
  appKey: string;
  method: string;
  paramJson: string;
  timestampSec: number;
}

/** Largest accepted clock skew (the simulator's choice; the platform's value is unconfirmed). */
export const DOUYIN_MAX_SKEW_SEC = 600;

/**
 * Verifies a Douyin open-API request the way the gateway must, to accept what the official SDKs send: system
 * parameters in the query, the path equal to the method, the timestamp within 10 minutes, and the signature over
 * the body re-sorted to a canonical param_json, not over the raw bytes:
 *  - the Go SDK (zsmhub/doudian-sdk utils/sign_util.go Marshal) sends the sorted body and signs it: keys sorted at
 *    every depth, encoding/json escaping without HTML escaping (douyinParamJson);
 *  - the Java SDK (doudian-sdk-java com/doudian/open/core/DefaultDoudianOpClient.java, utils/SignUtil.java) sends
 *    Gson's toJson of the request object (declaration order, HTML-safe escaping) and signs SignUtil.sortParamJson of
 *    it written by Gson again (javaSdkParamJson).
 * A sign that matches either form is accepted. Throws SimError with the kind the Douyin envelope maps to a
 * code / sub_code.
 */
export function verifyDouyinRequest(parts: DouyinRequestParts, secretFor: (appKey: string) => string | null, nowMs: number = Date.now()): DouyinVerified {
  const q = parts.query;
  const method = q.method;
  if (!method) throw new SimError('param_missing', 'method is required', { subCode: 'isv.parameter-missing' });
  if (parts.path !== `/${method.replace(/\./g, '/')}`) throw new SimError('param_invalid', `path ${parts.path} does not match method ${method}`);
  const appKey = q.app_key;
  if (!appKey) throw new SimError('app_key_missing', 'app_key is required');
  const secret = secretFor(appKey);
  if (!secret) throw new SimError('app_key_invalid', `app_key ${appKey} is invalid`);
  if (!q.sign) throw new SimError('signature_missing', 'sign is required');
  const ts = q.timestamp;
  if (!ts) throw new SimError('param_missing', 'timestamp is required', { subCode: 'isv.parameter-missing' });
  const timestampSec = douyinTimestampSec(ts);
  const v = q.v ?? '2';
  if (v !== '2') throw new SimError('param_invalid', 'v must be 2');
  // the Java SDK sends no sign_method and signs MD5 (SignUtil.sign): absent = md5
  const signMethod = (q.sign_method ?? 'md5') as DouyinSignMethod;
  if (signMethod !== 'md5' && signMethod !== 'hmac-sha256') throw new SimError('param_invalid', `unsupported sign_method ${signMethod}`);
  const paramJson = parts.rawBody.length === 0 ? '{}' : parts.rawBody;
  const params = parseJsonObject(paramJson);
  const sign = q.sign.toLowerCase();
  const signs = (text: string) => douyinSign({ appKey, appSecret: secret, method, paramJson: text, timestamp: ts, v, signMethod }) === sign;
  if (!signs(douyinParamJson(params)) && !signs(javaSdkParamJson(params))) throw new SimError('signature_invalid', 'signature verification failed');
  if (Math.abs(nowMs / 1000 - timestampSec) > DOUYIN_MAX_SKEW_SEC) {
    throw new SimError('timestamp_invalid', `timestamp ${ts} is more than ${DOUYIN_MAX_SKEW_SEC}s away from server time`);
  }
  return { appKey, method, paramJson, timestampSec };
}

/**
 * The timestamp forms the SDKs send: Unix seconds (Go, PHP, C#), Unix milliseconds (the Java SDK:
 * String.valueOf(System.currentTimeMillis())) and `yyyy-MM-dd HH:mm:ss` UTC+8 (the Python SDK). Seconds have at
 * most 11 digits until the year 5138, milliseconds 12 or more from 1973 on.
 */
function douyinTimestampSec(ts: string): number {
  if (/^\d{9,11}$/.test(ts)) return Number(ts);
  if (/^\d{12,14}$/.test(ts)) return Math.floor(Number(ts) / 1000);
  try {
    return Math.floor(parseGmt8(ts).getTime() / 1000);
  } catch {
    throw new SimError('timestamp_invalid', `timestamp ${ts} has an invalid format`, { subCode: 'isv.timestamp-format-error' });
  }
}

/** Gson's JsonWriter escapes with HTML-safe on (GsonBuilder's default, which the Java SDK's JsonUtil keeps) */
const GSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\t': '\\t', '\b': '\\b', '\n': '\\n', '\r': '\\r', '\f': '\\f', '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '=': '\\u003d', "'": '\\u0027', '\u2028': '\\u2028', '\u2029': '\\u2029' };
// eslint-disable-next-line no-control-regex
const GSON_ESCAPED = /["\\\u0000-\u001f<>&='\u2028\u2029]/g;

function gsonString(v: string): string {
  return `"${v.replace(GSON_ESCAPED, (c) => GSON_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/**
 * The param_json the Java SDK signs (SignUtil.sign): the body parsed by Gson's JsonParser, reordered by
 * SignUtil.sortParamJson and written by Gson with serializeNulls. sortParamJson sorts the keys of an object and of
 * every object inside it; an array is rebuilt only when its first element is an object (then its objects are sorted
 * and anything that is not an object is dropped); any other array is written as parsed, objects inside it unsorted.
 * Numbers keep their spelling (Gson's LazilyParsedNumber).
 */
export function javaSdkParamJson(value: Record<string, unknown>): string {
  return gsonWrite(value, true);
}

function gsonWrite(value: unknown, sorted: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return gsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (value instanceof LosslessNumber) return value.value;
  if (Array.isArray(value)) {
    const rebuild = sorted && value.length > 0 && isObject(value[0]);
    const items = rebuild ? value.filter(isObject) : value;
    return `[${items.map((x) => gsonWrite(x, rebuild)).join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (sorted) keys.sort();
  return `{${keys.map((k) => `${gsonString(k)}:${gsonWrite(obj[k], sorted)}`).join(',')}}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof LosslessNumber);
}
