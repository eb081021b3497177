/**
 * The one check of a merchant-set ERP base URL, at save and before every connector is built from it.
 * Returns what is wrong (to name in a 400), or null when the URL is acceptable.
 *
 * For now: an absolute http(s) URL without credentials, query or fragment. The outbound URL policy
 * (public addresses only, resolved-address checks) replaces this function's body when libs/net lands.
 */
export function validateErpUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.trim() === '') return 'must be an http(s) URL';
  if (raw.length > 500) return 'must be at most 500 characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.hostname === '') return 'must name a host';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (send them as secret fields)';
  if (url.search !== '' || url.hash !== '') return 'must not carry a query or fragment';
  return null;
}
