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

/**
 * Compact JSON with object keys sorted ascending at every depth, arrays in order, no HTML or `/`
 * escaping, non-ASCII left as is, and exact numbers for RawNumber / LosslessNumber / bigint.
 * This is Douyin's `param_json` canonical form; the bytes signed are the bytes sent.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof RawNumber) return value.digits;
  if (value instanceof LosslessNumber) return value.value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('non-finite number in JSON');
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new Error(`cannot serialise ${typeof value}`);
}

/** Re-serialises JSON text canonically without passing numbers through JS doubles. */
export function canonicaliseJsonText(text: string): string {
  return text.trim() === '' ? '{}' : canonicalJson(parseLossless(text));
}
