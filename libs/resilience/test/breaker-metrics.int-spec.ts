import { Test } from '@nestjs/testing';
import { UpstreamError } from '@app/contracts';
import { appMetrics, metricsRegistry } from '@app/observability';
import { BreakerRegistry } from '../src/breaker-registry';
import { ResilienceModule } from '../src/resilience.module';

describe('omnisync_circuit_breakers_open metric', () => {
  it('counts open breakers per upstream when /metrics is scraped', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ResilienceModule.forRoot({
          breaker: { requestTimeoutMs: 200, resetTimeoutMs: 5_000, volumeThreshold: 3 },
          rateLimit: { redis: 'redis://127.0.0.1:6379', defaultQps: 10, keyPrefix: `t-metrics-${Date.now()}` },
        }),
      ],
    }).compile();
    appMetrics(); // the app's metric set, as MetricsModule registers it
    const app = moduleRef.createNestApplication();
    await app.init();
    try {
      const breakers = app.get(BreakerRegistry);
      const busy = () => Promise.reject(new UpstreamError('douyin', 'retryable', 'busy'));
      await breakers.exec('douyin:s1', async () => 1);
      await breakers.exec('xiaohongshu:s9', async () => 1);
      expect(await metricsRegistry.getSingleMetricAsString('omnisync_circuit_breakers_open')).toMatch(/omnisync_circuit_breakers_open\{upstream="douyin"\} 0/);
      for (let i = 0; i < 3; i++) await breakers.exec('douyin:s1', busy).catch(() => undefined);
      const text = await metricsRegistry.getSingleMetricAsString('omnisync_circuit_breakers_open');
      expect(text).toMatch(/omnisync_circuit_breakers_open\{upstream="douyin"\} 1/);
      expect(text).toMatch(/omnisync_circuit_breakers_open\{upstream="xiaohongshu"\} 0/);
      // shop ids never become labels
      expect(text).not.toContain('s1');
    } finally {
      await app.close();
    }
  });
});
