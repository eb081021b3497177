import { UpstreamError } from '@app/contracts';
import { appMetrics, observeUpstreamCall } from './catalogue';
import { metricsRegistry } from './registry';

describe('observeUpstreamCall', () => {
  beforeEach(() => {
    appMetrics();
    metricsRegistry.resetMetrics();
  });

  const count = async (labels: Record<string, string>): Promise<number> =>
    ((await appMetrics().upstreamRequests.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k as 'upstream'] === x))?.value ?? 0);

  it('counts a call once by upstream, method and outcome, and times it', async () => {
    await expect(observeUpstreamCall('erp', 'push_orders', async () => 'answer')).resolves.toBe('answer');
    await expect(observeUpstreamCall('erp', 'push_orders', async () => Promise.reject(new UpstreamError('erp', 'retryable', 'HTTP 503')))).rejects.toThrow(/503/);
    await expect(observeUpstreamCall('erp', 'push_orders', async () => Promise.reject(new UpstreamError('erp', 'circuit_open', 'breaker open')))).rejects.toThrow();
    await expect(observeUpstreamCall('douyin', 'order.searchList', async () => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
    expect(await count({ upstream: 'erp', method: 'push_orders', outcome: 'ok' })).toBe(1);
    expect(await count({ upstream: 'erp', method: 'push_orders', outcome: 'retryable' })).toBe(1);
    expect(await count({ upstream: 'erp', method: 'push_orders', outcome: 'circuit_open' })).toBe(1);
    expect(await count({ upstream: 'douyin', method: 'order.searchList', outcome: 'error' })).toBe(1);
    const timed = (await appMetrics().upstreamRequestDuration.get()).values.filter((v) => v.metricName === 'omnisync_upstream_request_duration_seconds_count');
    expect(timed.reduce((n, v) => n + v.value, 0)).toBe(4);
  });
});
