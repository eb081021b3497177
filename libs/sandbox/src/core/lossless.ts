import { isLosslessNumber } from 'lossless-json';
import { parseLossless } from '@app/platforms/signing';
import { SimError } from './sim-error';

/** Parses a JSON object body keeping every number exact; malformed text or a non-object is a SimError. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseLossless(text);
  } catch (e) {
    throw new SimError('malformed', `malformed JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SimError('malformed', 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Lossless numbers become JS numbers when exact, else their digit strings (19-digit ids). */
export function plain(value: unknown): unknown {
  if (isLosslessNumber(value)) {
    const n = Number(value.value);
    return Number.isSafeInteger(n) || (!Number.isInteger(n) && String(n) === value.value) ? n : value.value;
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** An id parameter (string or exact number) as a string; undefined when absent or empty. */
export function idParam(params: Record<string, unknown>, key: string): string | undefined {
  const v = params[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (isLosslessNumber(v)) return v.value;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new SimError('param_invalid', `${key} must be a string or number`);
}

export function requireId(params: Record<string, unknown>, key: string): string {
  const v = idParam(params, key);
  if (v === undefined) throw new SimError('param_missing', `${key} is required`);
  return v;
}

/** An integer parameter (number or numeric string); undefined when absent. */
export function intParam(params: Record<string, unknown>, key: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const v = params[key];
  if (v === undefined || v === null || v === '') return undefined;
  const text = isLosslessNumber(v) ? v.value : typeof v === 'number' || typeof v === 'string' ? String(v) : null;
  if (text === null || !/^-?\d+$/.test(text.trim())) throw new SimError('param_invalid', `${key} must be an integer`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new SimError('param_invalid', `${key} out of range`);
  if (opts.min !== undefined && n < opts.min) throw new SimError('param_invalid', `${key} must be >= ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw new SimError('param_invalid', `${key} must be <= ${opts.max}`);
  return n;
}

export function requireInt(params: Record<string, unknown>, key: string, opts: { min?: number; max?: number } = {}): number {
  const v = intParam(params, key, opts);
  if (v === undefined) throw new SimError('param_missing', `${key} is required`);
  return v;
}

export function boolParam(params: Record<string, unknown>, key: string): boolean | undefined {
  const v = params[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || (isLosslessNumber(v) && v.value === '1')) return true;
  if (v === 'false' || v === '0' || (isLosslessNumber(v) && v.value === '0')) return false;
  throw new SimError('param_invalid', `${key} must be a boolean`);
}

export function strParam(params: Record<string, unknown>, key: string): string | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (isLosslessNumber(v)) return v.value;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new SimError('param_invalid', `${key} must be a string`);
}

export function requireStr(params: Record<string, unknown>, key: string): string {
  const v = strParam(params, key);
  if (v === undefined || v === '') throw new SimError('param_missing', `${key} is required`);
  return v;
}
