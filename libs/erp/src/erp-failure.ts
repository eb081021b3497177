import { MAX_STORED_ERROR_CHARS, boundText, describeError, isUpstreamError, type UpstreamError } from '@app/contracts';
import { isTimeoutError } from '@app/resilience';

/**
 * What kind of trouble a failed ERP call was, as the first word of the text stored in outbox.last_error (the
 * SLA ledger maps it to a cause; docs/ARCHITECTURE.md lists them):
 *  - `timeout:` the ERP did not answer within the call's time limit (slow ERP);
 *  - `unavailable:` it answered 5xx / 408, the connection failed, or the answer was unreadable (ERP down);
 *  - `circuit_open: after timeouts:` / `circuit_open: after errors:` the merchant's ERP breaker is open, and
 *    what opened it (slow calls and timeouts, or errors);
 *  - `rate_limited:` the ERP's flow control (429, Jushuitan codes 199 / 200);
 *  - anything else is `<kind>: ...` as describeError writes it (invalid_request, auth_revoked, error: ...).
 * A per-order error inside an answer is the ERP speaking about that order and keeps describeError's form.
 */
export type ErpFailureClass = 'timeout' | 'unavailable' | 'circuit_open' | 'rate_limited' | 'other';

export function erpFailureClass(e: unknown): ErpFailureClass {
  if (!isUpstreamError(e)) return 'other';
  if (e.kind === 'circuit_open' || e.kind === 'rate_limited') return e.kind;
  if (e.kind === 'retryable') return isTimeoutError(e) ? 'timeout' : 'unavailable';
  return 'other';
}

export function describeErpFailure(e: unknown): string {
  const cls = erpFailureClass(e);
  if (cls === 'other' || cls === 'rate_limited') return describeError(e);
  const err = e as UpstreamError;
  const reason = reasonOf(err);
  if (cls === 'circuit_open') {
    const after = err.details.code === 'open_after_timeouts' ? 'after timeouts' : 'after errors';
    return boundText(`circuit_open: ${after}: ${reason}`, MAX_STORED_ERROR_CHARS);
  }
  return boundText(`${cls}: ${reason.replace(/^timeout: /, '')}`, MAX_STORED_ERROR_CHARS);
}

/** the message without UpstreamError's `<upstream>: <kind>: ` prefix */
function reasonOf(e: UpstreamError): string {
  const prefix = `${e.upstream}: ${e.kind}: `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}
