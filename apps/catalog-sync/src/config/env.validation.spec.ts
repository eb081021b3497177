import { ConfigValidationError, loadEnv } from '@app/config';
import { CatalogSyncEnv } from './env.validation';

const REQUIRED = { SECRETS_KEY: 'ab'.repeat(32), INTERNAL_SERVICE_SECRET: 'internal-service-secret-for-this-test-0123' };

describe('CatalogSyncEnv', () => {
  it('publishes 8 jobs at a time per platform and lets background calls wait 1 s for their QPS slot by default', () => {
    const env = loadEnv(CatalogSyncEnv, REQUIRED);
    expect({ concurrency: env.CATALOG_PUBLISH_CONCURRENCY, maxWait: env.PLATFORM_QPS_MAX_WAIT_MS }).toEqual({ concurrency: 8, maxWait: 1000 });
    expect(loadEnv(CatalogSyncEnv, { ...REQUIRED, PLATFORM_QPS_MAX_WAIT_MS: '250' }).PLATFORM_QPS_MAX_WAIT_MS).toBe(250);
  });

  it('names a bad value', () => {
    expect(() => loadEnv(CatalogSyncEnv, { ...REQUIRED, PLATFORM_QPS_MAX_WAIT_MS: '20000' })).toThrow(ConfigValidationError);
    expect(() => loadEnv(CatalogSyncEnv, { ...REQUIRED, PLATFORM_QPS_MAX_WAIT_MS: '20000' })).toThrow(/PLATFORM_QPS_MAX_WAIT_MS/);
  });
});
