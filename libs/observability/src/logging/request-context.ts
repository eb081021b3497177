import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The correlation id of the current request or job, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Run `fn` with `requestId` as the correlation id (workers: pass the id carried in job data). */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Express middleware: takes `x-request-id` from the request (if well-formed) or creates one,
 * echoes it on the response, and runs the rest of the request inside that context.
 */
export function correlationMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  const requestId = candidate && VALID_ID.test(candidate) ? candidate : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, requestId);
  storage.run({ requestId }, next);
}
