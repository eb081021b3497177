/** The one-line hint printed when Postgres does not answer. */
export const START_POSTGRES_HINT = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', '57P03']);

/** True when the error means "no Postgres server answered" (not a query or auth problem). */
export function isPostgresUnreachable(e: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [e];
  while (queue.length > 0) {
    const cur = queue.shift();
    if (!cur || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    const err = cur as { code?: unknown; errors?: unknown[]; cause?: unknown; driverError?: unknown };
    if (typeof err.code === 'string' && UNREACHABLE_CODES.has(err.code)) return true;
    if (Array.isArray(err.errors)) queue.push(...err.errors);
    queue.push(err.cause, err.driverError);
  }
  return false;
}

/** Where a URL points, without its password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port === '' ? '5432' : u.port}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
