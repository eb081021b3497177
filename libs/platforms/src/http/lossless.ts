import { LosslessNumber, isLosslessNumber } from 'lossless-json';
import { parseExact } from '../signing';

/**
 * Readers for values parsed with `parseExact` (19-digit numbers arrive as digit strings) or `parseLossless`
 * (numbers arrive as LosslessNumber): either way 19-digit ids stay exact. Ids always become strings; counts and money become JS numbers (they are small).
 */
export type Json = Record<string, unknown>;

/** a platform's response body; numbers exact (see parseExact) */
export function parseBody(text: string): unknown {
  return parseExact(text);
}

export function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isLosslessNumber(v);
}

export function obj(v: unknown): Json {
  return isObj(v) ? v : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** an id or code as an exact string; '' when absent */
export function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (isLosslessNumber(v)) return (v as LosslessNumber).value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return '';
}

export function optStr(v: unknown): string | null {
  const s = str(v);
  return s === '' ? null : s;
}

/** a small number (count, fen, seconds); NaN-safe: absent -> fallback */
export function num(v: unknown, fallback = 0): number {
  if (v === null || v === undefined || v === '') return fallback;
  const n = isLosslessNumber(v) ? Number((v as LosslessNumber).value) : typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : fallback;
}

export function bool(v: unknown): boolean {
  return v === true || v === 'true' || str(v) === '1';
}

/** Unix seconds -> ISO UTC; null for 0 / absent */
export function isoFromSeconds(v: unknown): string | null {
  const n = num(v, 0);
  return n > 0 ? new Date(n * 1000).toISOString() : null;
}

/** Unix milliseconds -> ISO UTC; null for 0 / absent */
export function isoFromMillis(v: unknown): string | null {
  const n = num(v, 0);
  return n > 0 ? new Date(n).toISOString() : null;
}
