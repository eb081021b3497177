import { UpstreamError } from '@app/contracts';
import { describeErpFailure, erpFailureClass } from './erp-failure';

describe(describeErpFailure.name, () => {
  it.each([
    [new UpstreamError('erp', 'retryable', 'timeout: total time limit of 15000 ms exceeded', { code: 'ETIMEDOUT' }), 'timeout', 'timeout: total time limit of 15000 ms exceeded'],
    [new UpstreamError('erp', 'retryable', 'timeout: timeout of 15000ms exceeded', { code: 'ECONNABORTED' }), 'timeout', 'timeout: timeout of 15000ms exceeded'],
    [new UpstreamError('erp', 'retryable', 'breaker timeout for erp:generic-http', { code: 'ETIMEDOUT' }), 'timeout', 'timeout: breaker timeout for erp:generic-http'],
    [new UpstreamError('erp', 'retryable', 'HTTP 503: ERP simulator is down', { status: 503 }), 'unavailable', 'unavailable: HTTP 503: ERP simulator is down'],
    [new UpstreamError('erp', 'retryable', 'network: connect ECONNREFUSED', { code: 'ECONNREFUSED' }), 'unavailable', 'unavailable: network: connect ECONNREFUSED'],
    [
      new UpstreamError('erp', 'circuit_open', 'circuit open for erp:generic-http', { code: 'open_after_timeouts', retryAfterMs: 5000 }),
      'circuit_open',
      'circuit_open: after timeouts: circuit open for erp:generic-http',
    ],
    [
      new UpstreamError('erp', 'circuit_open', 'circuit open for erp:jushuitan', { code: 'open_after_errors', retryAfterMs: 5000 }),
      'circuit_open',
      'circuit_open: after errors: circuit open for erp:jushuitan',
    ],
    [new UpstreamError('erp', 'rate_limited', 'HTTP 429', { status: 429, retryAfterMs: 1000 }), 'rate_limited', 'rate_limited: erp: rate_limited: HTTP 429'],
    [new UpstreamError('erp', 'invalid_request', 'HTTP 400'), 'other', 'invalid_request: erp: invalid_request: HTTP 400'],
    [new Error('bug'), 'other', 'error: bug'],
  ])('%s -> %s', (e, cls, text) => {
    expect(erpFailureClass(e)).toBe(cls);
    expect(describeErpFailure(e)).toBe(text);
  });
});
