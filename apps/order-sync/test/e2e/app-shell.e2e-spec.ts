import request from 'supertest';
import { signServiceCall } from '@app/service-auth';
import { describeAppShell, TEST_INTERNAL_SERVICE_SECRET } from '@app/testing/app-shell';
import { describeInternalCallChecks } from '@app/testing/internal-calls';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { bootstrapApp } from '../../src/main';

describeAppShell('order-sync', bootstrapApp, { migrations: ALL_MIGRATIONS, env: { ERP_SECRET: 'app-shell-test-erp-secret' } }, ({ base }) => {
  describeInternalCallChecks({ base, secret: TEST_INTERNAL_SERVICE_SECRET, path: '/erp/orders?limit=5' });

  it('refuses GET /ops/sla without a signed merchant (it never returns every merchant\'s report)', async () => {
    expect((await request(base()).get('/ops/sla')).status).toBe(401);
    const merchantId = '5b1e0000-0000-4000-8000-0000000000aa';
    const ok = await request(base()).get('/ops/sla').set(signServiceCall(TEST_INTERNAL_SERVICE_SECRET, { method: 'GET', pathAndQuery: '/ops/sla', merchantId, body: null }));
    expect(ok.status).toBe(200);
    expect(ok.body.late).toEqual([]);
  });

  it('checks the body against its signed hash: a changed body is 401, the signed one passes', async () => {
    const merchantId = '5b1e0000-0000-4000-8000-0000000000aa';
    const body = JSON.stringify({ all: true });
    const headers = { ...signServiceCall(TEST_INTERNAL_SERVICE_SECRET, { method: 'POST', pathAndQuery: '/ops/outbox/retry', merchantId, body }), 'content-type': 'application/json' };
    expect((await request(base()).post('/ops/outbox/retry').set(headers).send(JSON.stringify({ ids: ['1'] }))).status).toBe(401);
    const ok = await request(base())
      .post('/ops/outbox/retry')
      .set({ ...signServiceCall(TEST_INTERNAL_SERVICE_SECRET, { method: 'POST', pathAndQuery: '/ops/outbox/retry', merchantId, body }), 'content-type': 'application/json' })
      .send(body);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ retried: [], notFound: [], enqueued: false });
  });
});
