import { loadEnv } from '@app/config';
import { orderSyncOptions } from '../app.module';
import { OrderSyncEnv } from '../config/env.validation';

/** what order-sync's start-up needs besides the variable under test (a generic-http ERP) */
const base = { ERP_CONNECTOR: 'generic-http', ERP_BASE_URL: 'http://127.0.0.1:1/erp', ERP_SECRET: 'x'.repeat(32), INTERNAL_SERVICE_SECRET: 'y'.repeat(32), SECRETS_KEY: 'a'.repeat(64) };

describe('RETENTION_DAY_SECONDS (soak runs shorten the retention day)', () => {
  const load = (extra: Record<string, string>) => loadEnv(OrderSyncEnv, { ...base, ...extra }, { app: 'order-sync' });

  it('is a real day unless set', () => {
    expect(orderSyncOptions(load({})).retention?.daySeconds).toBe(86_400);
  });

  it('shortens the day outside production', () => {
    expect(orderSyncOptions(load({ RETENTION_DAY_SECONDS: '60', NODE_ENV: 'development' })).retention?.daySeconds).toBe(60);
  });

  it('is refused at start-up with NODE_ENV=production (it would shorten the redelivery floors too)', () => {
    expect(() => orderSyncOptions(load({ RETENTION_DAY_SECONDS: '60', NODE_ENV: 'production' }))).toThrow(/RETENTION_DAY_SECONDS must be 86400 with NODE_ENV=production/);
    expect(orderSyncOptions(load({ RETENTION_DAY_SECONDS: '86400', NODE_ENV: 'production' })).retention?.daySeconds).toBe(86_400);
  });

  it('names the variable for a value out of range', () => {
    expect(() => load({ RETENTION_DAY_SECONDS: '0' })).toThrow(/RETENTION_DAY_SECONDS/);
  });
});
