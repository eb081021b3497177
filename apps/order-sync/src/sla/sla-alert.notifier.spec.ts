import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import nock from 'nock';
import { OutboundPolicy } from '@app/net';
import { DEFAULT_ORDER_SYNC_OPTIONS } from '../order-sync.options';
import { SlaAlertNotifier, type SlaAlert } from './sla-alert.notifier';

const ALERT: SlaAlert = { orderId: '1', platform: 'douyin', platformOrderId: 'P1', level: 'breach', cause: 'erp_down', ageMs: 31_000, at: new Date(0).toISOString() };

describe(SlaAlertNotifier.name, () => {
  let server: Server;
  let port: number;
  let hits: number;
  beforeAll(async () => {
    nock.restore(); // a real local webhook receiver
    server = createServer((req, res) => {
      hits++;
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => {
    hits = 0;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const notifier = (url: string, policy: OutboundPolicy | null) => new SlaAlertNotifier({ ...DEFAULT_ORDER_SYNC_OPTIONS, alertWebhookUrl: url }, policy);

  it('posts to an allowed webhook', async () => {
    const sut = notifier(`http://127.0.0.1:${port}/alerts`, new OutboundPolicy({ allowHosts: [`127.0.0.1:${port}`] }));
    sut.notify([ALERT]);
    await sut.flush();
    expect(hits).toBe(1);
  });

  it.each([
    ['loopback', () => `http://127.0.0.1:${port}/alerts`],
    ['a numeric loopback', () => `http://2130706433:${port}/alerts`],
    ['metadata', () => 'http://169.254.169.254/latest/meta-data'],
  ])('refuses %s without the operator allowance (strict default policy), and says why in the log', async (_what, url) => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const sut = notifier(url(), null);
      sut.notify([ALERT]);
      await sut.flush();
      expect(hits).toBe(0);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^SLA alert webhook failed \(1 alerts\): outbound URL refused for webhook: .* is a (loopback|link-local) address/));
    } finally {
      warn.mockRestore();
    }
  });
});
