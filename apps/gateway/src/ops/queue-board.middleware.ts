import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Role } from '@app/contracts';

/**
 * What the Bull Board middleware needs from the auth module: ApiKeysService satisfies it structurally.
 * (Bull Board is a plain Express router, outside Nest's guards, so it gets this middleware instead.)
 */
export interface KeyAuthenticator {
  authenticate(raw: string): Promise<{ ok: true; principal: { roles: Role[] } } | { ok: false; message: string }>;
}

export const BOARD_ROLES: Role[] = ['ops', 'admin'];

/**
 * Accepts the same API keys as the guard: `Authorization: Bearer <key>`, or HTTP Basic with the key as
 * the password (so a browser can open the board: it prompts on the 401). Needs role ops or admin.
 */
export function queueBoardAuth(auth: KeyAuthenticator, roles: Role[] = BOARD_ROLES) {
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    const key = extractKey(req.headers.authorization);
    const deny = (status: number, message: string) => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="omnisync ops", charset="UTF-8"');
      res.end(JSON.stringify({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message }));
    };
    if (!key) return deny(401, 'missing API key: send "Authorization: Bearer <key>" (or Basic with the key as password)');
    auth.authenticate(key).then(
      (r) => {
        if (!r.ok) return deny(401, r.message);
        if (!r.principal.roles.some((role) => roles.includes(role))) {
          return deny(403, `the queue board needs one of the roles: ${roles.join(', ')}`);
        }
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

export function extractKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const password = i >= 0 ? decoded.slice(i + 1) : decoded;
    return password || undefined;
  }
  return undefined;
}
