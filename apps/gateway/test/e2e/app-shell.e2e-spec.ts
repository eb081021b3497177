import request from 'supertest';
import { CORE_MIGRATIONS } from '@app/persistence';
import { describeAppShell } from '@app/testing/app-shell';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { bootstrapApp } from '../../src/main';
import { MerchantsService } from '../../src/merchants/merchants.service';

describeAppShell('gateway', bootstrapApp, { migrations: CORE_MIGRATIONS }, ({ base, started }) => {
  it('protects /ops/queues and the queue board with the API key', async () => {
    expect((await request(base()).get('/ops/queues')).status).toBe(401);
    const board = await request(base()).get('/ops/queues/board');
    expect(board.status).toBe(401);
    expect(board.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await request(base()).get('/ops/queues/board').set('Authorization', 'Bearer osk_nope_nope')).status).toBe(401);
  });

  it('lets ops keys (not merchandiser keys) read /ops/queues and open the board', async () => {
    const { merchant } = await started().app.get(MerchantsService).findOrCreateByName('e2e-merchant');
    const keys = started().app.get(ApiKeysService);
    const ops = (await keys.create(merchant.id, 'ops', ['ops'])).key;
    const merch = (await keys.create(merchant.id, 'merch', ['merchandiser'])).key;

    const list = await request(base()).get('/ops/queues').set('Authorization', `Bearer ${ops}`);
    expect(list.status).toBe(200);
    expect(list.body.queues.map((q: { queue: string }) => q.queue)).toContain('{order-events}');
    expect(list.body.queues[0]).toEqual(
      expect.objectContaining({ waiting: 0, active: 0, delayed: 0, failed: 0, oldestWaitingAgeMs: null, completedPerMinute: 0 }),
    );
    expect((await request(base()).get('/ops/queues').set('Authorization', `Bearer ${merch}`)).status).toBe(403);

    const basic = Buffer.from(`ops:${ops}`).toString('base64');
    const board = await request(base()).get('/ops/queues/board').set('Authorization', `Basic ${basic}`);
    expect(board.status).toBe(200);
    expect(board.text).toMatch(/<html/i);
    expect((await request(base()).get('/ops/queues/board').set('Authorization', `Bearer ${merch}`)).status).toBe(403);
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
