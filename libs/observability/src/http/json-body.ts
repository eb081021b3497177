import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';

export interface JsonBodyLimits {
  /** bodies over this many bytes: 413 while streaming (body-parser's `limit`) */
  limitBytes: number;
  /** more `{`/`[` levels than this: 400, found by a scan of the raw text before JSON.parse runs */
  maxDepth: number;
  /**
   * keep each request's raw bytes as `req.rawBody` (internal services: libs/service-auth checks the gateway
   * signature's body hash). Done here, not with Nest's `rawBody` option: that one replaces this parser's
   * `verify` hook with its own, and the depth and prototype-key checks would silently stop running.
   */
  keepRawBody?: boolean;
}

/** Keys that would reach an object's prototype chain if any code ever merged the body into an object. */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A client error in body-parser's own shape (status + expose), so the JSON exception filter shows its message. */
export class JsonBodyError extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
  ) {
    super(message);
  }
}

/**
 * Deepest `{`/`[` nesting of a JSON text, stopping as soon as it passes `max`. Hand-written because no
 * parser we use has a depth option and the check must run before JSON.parse and class-transformer
 * (which recurse: a 100,000-level body ends as a stack overflow, a 500); it is one linear pass that
 * only tracks strings and escapes, and a text it gets wrong is malformed JSON that JSON.parse rejects anyway.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

/** The first forbidden key anywhere in a JSON text (escaped spellings included), or undefined. */
export function forbiddenJsonKey(text: string): string | undefined {
  // cheap pre-filter: a forbidden key is spelled out, or hidden behind a \u escape
  if (!/__proto__|constructor|prototype|\\u/.test(text)) return undefined;
  let found: string | undefined;
  try {
    JSON.parse(text, function (key: string, value: unknown) {
      if (found === undefined && FORBIDDEN_JSON_KEYS.has(key)) found = key;
      return value;
    });
  } catch {
    return undefined; // malformed: body-parser's own parse answers 400
  }
  return found;
}

/**
 * body-parser `verify` hook: runs on the raw bytes after the size limit and before the parse. Depth over
 * the limit -> 400; a `__proto__`/`constructor`/`prototype` key at any depth -> 400 named like the
 * ValidationPipe names any other unknown property; JSON that is not UTF-8 (RFC 8259) -> 415.
 */
export function verifyJsonBody(maxDepth: number, keepRawBody = false) {
  return (req: unknown, _res: unknown, buf: Buffer, encoding: string | null): void => {
    if (keepRawBody) (req as { rawBody?: Buffer }).rawBody = buf;
    if (encoding && !/^utf-?8$/i.test(encoding)) throw new JsonBodyError(415, 'JSON bodies must be UTF-8', 'charset.unsupported');
    const text = buf.toString('utf8');
    if (jsonDepthExceeds(text, maxDepth)) {
      throw new JsonBodyError(400, `JSON body is nested deeper than ${maxDepth} levels`, 'entity.too.deep');
    }
    const key = forbiddenJsonKey(text);
    if (key !== undefined) throw new JsonBodyError(400, `property ${key} should not exist`, 'entity.forbidden.key');
  };
}

/**
 * Registers the app's JSON (and urlencoded) parsers with these limits. Call after every `app.use` that must
 * see the raw stream first (webhook capture, catalog proxy): Nest then skips its default parsers.
 */
export function applyJsonBodyLimits(app: INestApplication, limits: JsonBodyLimits): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: limits.limitBytes, verify: verifyJsonBody(limits.maxDepth, limits.keepRawBody === true) });
  express.useBodyParser('urlencoded', {
    limit: limits.limitBytes,
    extended: true,
    depth: 8,
    ...(limits.keepRawBody ? { verify: (req: unknown, _res: unknown, buf: Buffer) => void ((req as { rawBody?: Buffer }).rawBody = buf) } : {}),
  });
}
