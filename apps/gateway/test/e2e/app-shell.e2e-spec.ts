import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { CORE_MIGRATIONS } from '@app/persistence';
import { describeAppShell } from '@app/testing/app-shell';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { bootstrapApp } from '../../src/main';
import { MerchantsService } from '../../src/merchants/merchants.service';

const OPERATOR_TOKEN = `op-${randomBytes(16).toString('hex')}`;
const OPERATOR_TOKEN_SHA256 = createHash('sha256').update(OPERATOR_TOKEN).digest('hex');

describeAppShell('gateway', bootstrapApp, { migrations: CORE_MIGRATIONS, env: { OPERATOR_TOKEN_SHA256 } }, ({ base, started }) => {
  it('protects /ops/queues, /operator/queues and the queue board', async () => {
    expect((await request(base()).get('/ops/queues')).status).toBe(401);
    expect((await request(base()).get('/operator/queues')).status).toBe(401);
    const board = await request(base()).get('/ops/queues/board');
    expect(board.status).toBe(401);
    expect(board.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await request(base()).get('/ops/queues/board').set('Authorization', 'Bearer osk_nope_nope')).status).toBe(401);
    // the token's hash is not the token
    expect((await request(base()).get('/ops/queues/board').set('Authorization', `Bearer ${OPERATOR_TOKEN_SHA256}`)).status).toBe(401);
  });

  it('opens Bull Board and the raw queue view to the operator token only: merchant ops/admin keys get 403', async () => {
    const { merchant } = await started().app.get(MerchantsService).findOrCreateByName('e2e-merchant');
    const keys = started().app.get(ApiKeysService);
    const ops = (await keys.create(merchant.id, 'ops', ['ops'])).key;
    const admin = (await keys.create(merchant.id, 'admin', ['admin'])).key;
    const all = (await keys.create(merchant.id, 'all', ['admin', 'ops', 'erp', 'merchandiser'])).key;

    for (const key of [ops, admin, all]) {
      expect((await request(base()).get('/ops/queues/board').set('Authorization', `Bearer ${key}`)).status).toBe(403);
      const basic = Buffer.from(`ops:${key}`).toString('base64');
      expect((await request(base()).get('/ops/queues/board').set('Authorization', `Basic ${basic}`)).status).toBe(403);
      // nor the board's API (job data, retries, clean, pause)
      expect((await request(base()).get('/ops/queues/board/api/queues').set('Authorization', `Bearer ${key}`)).status).toBe(403);
      expect((await request(base()).put('/ops/queues/board/api/queues/%7Border-events%7D/pause').set('Authorization', `Bearer ${key}`)).status).toBe(403);
      expect((await request(base()).get('/operator/queues').set('Authorization', `Bearer ${key}`)).status).toBe(403);
    }

    const board = await request(base()).get('/ops/queues/board').set('Authorization', `Basic ${Buffer.from(`op:${OPERATOR_TOKEN}`).toString('base64')}`);
    expect(board.status).toBe(200);
    expect(board.text).toMatch(/<html/i);
    const api = await request(base()).get('/ops/queues/board/api/queues').set('Authorization', `Bearer ${OPERATOR_TOKEN}`);
    expect(api.status).toBe(200);

    const list = await request(base()).get('/operator/queues').set('Authorization', `Bearer ${OPERATOR_TOKEN}`);
    expect(list.status).toBe(200);
    expect(list.body.queues.map((q: { queue: string }) => q.queue)).toContain('{order-events}');
    expect(list.body.queues[0]).toEqual(
      expect.objectContaining({ waiting: 0, active: 0, delayed: 0, failed: 0, oldestWaitingAgeMs: null, completedPerMinute: 0 }),
    );
    // the operator token is no merchant key: the merchant API refuses it, except the ops page's routes, which
    // need the merchant it acts for named (x-ops-merchant; docs/adr/0009-ops-page.md)
    expect((await request(base()).get('/merchants/me').set('Authorization', `Bearer ${OPERATOR_TOKEN}`)).status).toBe(401);
    const unnamed = await request(base()).get('/ops/queues').set('Authorization', `Bearer ${OPERATOR_TOKEN}`);
    expect(unnamed.status).toBe(400);
    expect(JSON.stringify(unnamed.body.message)).toContain('x-ops-merchant');
  });

  it('serves the Swagger UI under helmet\'s CSP: every script it runs is an external same-origin file', async () => {
    const res = await request(base()).get('/docs/').redirects(1);
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const inline = [...res.text.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*application\/json)[^>]*>/g)];
    expect(inline).toEqual([]);
  });

  it('serves the OpenAPI document at /docs with bearer auth', async () => {
    const res = await request(base()).get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.body.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
