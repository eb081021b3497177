import { LosslessNumber, parse } from 'lossless-json';

/**
 * A number that must be written exactly as given (19-digit platform ids exceed 2^53).
 * `canonicalJson` writes it as a bare numeric literal.
 */
export class RawNumber {
  constructor(readonly digits: string) {
    if (!/^-?\d+(\.\d+)?$/.test(digits)) throw new Error(`not a number literal: ${digits}`);
  }
  toJSON(): string {
    return this.digits;
  }
}

export function rawNumber(value: string | number | bigint): RawNumber {
  return new RawNumber(String(value));
}

/** Parses JSON keeping every number exact (as LosslessNumber). */
export function parseLossless(text: string): unknown {
  return parse(text);
}

/** a JSON string literal; printable ASCII without `"` or `\\` (most keys and ids) skips JSON.stringify */
function jsonString(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return JSON.stringify(v);
  }
  return `"${v}"`;
}

/** lone UTF-16 surrogates (a high one not followed by a low one, a low one not after a high one) */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A JSON string literal as Go's encoding/json writes it with SetEscapeHTML(false) (Go 1.22+), which is what the
 * Douyin SDKs sign (PROTOCOLS.md 1.2): as JSON.stringify (`"` `\\` escaped; \b \f \n \r \t; other controls as
 * \u00xx lowercase; `<` `>` `&` `/` and non-ASCII literal), except that U+2028 / U+2029 are written \u2028 /
 * \u2029 (Go escapes them even with HTML escaping off; so does PHP's json_encode without
 * JSON_UNESCAPED_LINE_TERMINATORS) and a lone surrogate becomes U+FFFD (Go's decoder and encoder both do that;
 * JSON.stringify would write \udxxx).
 */
function douyinJsonString(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) {
      return JSON.stringify(v.replace(LONE_SURROGATE, '\ufffd')).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
    }
  }
  return `"${v}"`;
}

/**
 * Compact JSON with object keys sorted ascending at every depth, arrays in order, no HTML or `/`
 * escaping, non-ASCII left as is, and exact numbers for RawNumber / LosslessNumber / bigint.
 * (Douyin's `param_json` is this with Douyin's string escaping: douyinParamJson.)
 * (Written as loops with string appends: it serialises whole list pages in the simulators.)
 */
export function canonicalJson(value: unknown): string {
  return writeSorted(value, jsonString);
}

/**
 * Douyin's `param_json` canonical form, the text signed (PROTOCOLS.md 1.2): canonicalJson with the string
 * escaping of the Go SDK's utils.Marshal (json.Encoder, SetEscapeHTML(false), keys sorted by the map it
 * decodes into, numbers kept by UseNumber): see douyinJsonString. The adapter sends these bytes and signs them.
 */
export function douyinParamJson(value: unknown): string {
  return writeSorted(value, douyinJsonString);
}

function writeSorted(value: unknown, quote: (s: string) => string): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new Error('non-finite number in JSON');
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new Error(`cannot serialise ${typeof value}`);
  }
  if (value instanceof RawNumber) return value.digits;
  if (value instanceof LosslessNumber) return value.value;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += writeSorted(value[i], quote);
    }
    return `${out}]`;
  }
  if (value instanceof Date) return quote(value.toISOString());
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${quote(k)}:${writeSorted(v, quote)}`;
  }
  return `${out}}`;
}

/**
 * Number tokens (outside strings) with 16 or more digits turned into JSON strings: a double keeps 15-17
 * significant digits, so these are the ones JSON.parse could change (19-digit ids above all).
 */
export function quoteUnsafeNumbers(text: string): string {
  let out = '';
  let last = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote (escapes skip the next char)
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else {
          i++;
          if (d === 0x22) break;
        }
      }
      continue;
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      const start = i;
      let digits = c === 0x2d ? 0 : 1;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) {
          digits++;
          i++;
        } else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) i++;
        else break;
      }
      if (digits >= 16) {
        out += `${text.slice(last, start)}"${text.slice(start, i)}"`;
        last = i;
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Parses a response body exactly, about twice as fast as `parseLossless` and without an object per number:
 * numbers that a double keeps exactly are JS numbers, longer ones (19-digit ids) arrive as their digit
 * strings. The readers in http/lossless.ts (str, num, ...) accept both forms. Signatures over JSON text keep
 * using `parseLossless` + `canonicalJson`, which preserve every number's own spelling.
 */
export function parseExact(text: string): unknown {
  return JSON.parse(quoteUnsafeNumbers(text));
}

/** Re-serialises JSON text canonically without passing numbers through JS doubles. */
export function canonicaliseJsonText(text: string): string {
  return text.trim() === '' ? '{}' : canonicalJson(parseLossless(text));
}

/** Douyin's param_json of a body: the JSON text re-sorted as douyinParamJson, numbers exact; empty = `{}`. */
export function canonicaliseDouyinParamJson(text: string): string {
  return text.trim() === '' ? '{}' : douyinParamJson(parseLossless(text));
}
