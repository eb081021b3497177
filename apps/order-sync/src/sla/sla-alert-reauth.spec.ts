import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Platform } from '@app/contracts';
import { OutboundPolicy } from '@app/net';
import { ShopDirectory, type ShopContext, type TokenSet } from '@app/platforms';
import type { OrderSyncOptions } from '../order-sync.options';
import { SlaAlertNotifier } from './sla-alert.notifier';

/** A directory whose markNeedsReauth behaves like the real one: an event when a shop falls from active. */
class ReauthDirectory extends ShopDirectory {
  async get(): Promise<ShopContext | null> {
    return null;
  }
  async findByPlatformShopId(_p: Platform, _id: string): Promise<ShopContext | null> {
    return null;
  }
  async appSecret(): Promise<string | null> {
    return null;
  }
  async listActive(): Promise<ShopContext[]> {
    return [];
  }
  async saveTokens(_id: string, _t: TokenSet): Promise<void> {}
  async markNeedsReauth(shopId: string, reason: string): Promise<void> {
    this.emitNeedsReauth({ shopId, reason, at: '2026-01-01T00:00:00.000Z' });
  }
}

describe(SlaAlertNotifier.name, () => {
  let server: Server;
  const received: unknown[] = [];
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('posts a shop marked needs_reauth to the SLA alert webhook', async () => {
    const directory = new ReauthDirectory();
    const sut = new SlaAlertNotifier({ alertWebhookUrl: url, alertTimeoutMs: 2000 } as OrderSyncOptions, new OutboundPolicy({ allowLoopback: true }), directory);
    sut.onModuleInit();
    await directory.markNeedsReauth('shop-1', 'token refresh rejected (invalid)');
    await sut.flush();
    expect(received).toEqual([
      { source: 'order-sync', kind: 'shop_needs_reauth', shops: [{ shopId: 'shop-1', reason: 'token refresh rejected (invalid)', at: '2026-01-01T00:00:00.000Z' }] },
    ]);
  });
});
