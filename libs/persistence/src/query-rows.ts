/**
 * The rows of a raw query. TypeORM's postgres `query()` answers UPDATE / DELETE ... RETURNING with
 * `[rows, rowCount]` but INSERT / SELECT with `rows`; this evens that out (one copy for every app's repositories).
 */
export function rowsOf<T>(res: unknown): T[] {
  if (Array.isArray(res) && res.length === 2 && Array.isArray(res[0]) && typeof res[1] === 'number') return res[0] as T[];
  return res as T[];
}
