import type { IncomingMessage, ServerResponse } from 'node:http';
import { extractBearerOrBasic, type OperatorCredential } from './operator-credential';

export { extractBearerOrBasic as extractKey } from './operator-credential';

/**
 * What the Bull Board middleware needs from the auth module: ApiKeysService satisfies it structurally. Used
 * only to tell a merchant's valid key (403) from a wrong credential (401).
 */
export interface KeyAuthenticator {
  authenticate(raw: string): Promise<{ ok: true } | { ok: false; message: string }>;
}

/**
 * Bull Board reads every merchant's job data and controls shared queues, so it is the platform operator's
 * only: the operator token (Bearer, or Basic with the token as the password). A merchant's API key, of any
 * role, gets 403. (Bull Board is a plain Express router, outside Nest's guards, so it gets this middleware.)
 */
export function queueBoardAuth(operator: OperatorCredential, keys: KeyAuthenticator) {
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    const token = extractBearerOrBasic(req.headers.authorization);
    const deny = (status: number, message: string) => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="omnisync operator", charset="UTF-8"');
      res.end(JSON.stringify({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message }));
    };
    if (!token) return deny(401, 'missing operator credential: send "Authorization: Bearer <operator token>" (or Basic with it as password)');
    if (operator.matches(token)) return next();
    keys.authenticate(token).then(
      (r) => (r.ok ? deny(403, 'the queue board is for the platform operator only; merchant keys see their work at GET /ops/queues') : deny(401, 'invalid operator credential')),
      (err: unknown) => next(err),
    );
  };
}
