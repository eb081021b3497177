import type { LookupFunction } from 'node:net';
import { OutboundPolicy, OutboundUrlRefusedError, assertAllowed, outboundPolicyFromEnv, parseAllowHosts, platformBaseUrlsOf, type OutboundPurpose } from '@app/net';

/** a DNS table instead of real DNS: name -> addresses */
function fakeDns(table: Record<string, string[]>): LookupFunction {
  return ((host: string, _opts: unknown, cb: (err: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void) => {
    const list = table[host];
    if (!list) {
      const e = new Error(`getaddrinfo ENOTFOUND ${host}`) as NodeJS.ErrnoException;
      e.code = 'ENOTFOUND';
      return cb(e, []);
    }
    cb(null, list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  }) as unknown as LookupFunction;
}

const DNS = fakeDns({
  'erp.example.com': ['93.184.216.34'],
  'loopback.example.com': ['127.0.0.1'],
  'split.example.com': ['93.184.216.34', '10.0.0.7'],
  'v6loop.example.com': ['::1'],
  'openapi-fxg.jinritemai.com': ['111.62.1.1'],
  'eco.taobao.com': ['106.11.1.1'],
  'ark.xiaohongshu.com': ['101.1.1.1'],
  'sim.example.com': ['127.0.0.1'],
  'oapi.dingtalk.com': ['203.119.1.1'],
  'open.feishu.cn': ['101.2.2.2'],
  'qyapi.weixin.qq.com': ['109.3.3.3'],
});

async function refusal(p: Promise<unknown>): Promise<OutboundUrlRefusedError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OutboundUrlRefusedError);
    return e as OutboundUrlRefusedError;
  }
  throw new Error('expected a refusal');
}

describe(OutboundPolicy.name, () => {
  const strict = new OutboundPolicy({ lookup: DNS });

  describe('assertAllowed (save time)', () => {
    it.each([
      ['http://169.254.169.254/latest/meta-data/', 'address', /169\.254\.169\.254 is a link-local address \(cloud metadata endpoint\)/],
      ['http://[fd00:ec2::254]/latest/meta-data/', 'address', /fd00:ec2::254 is an IPv6 unique-local address \(cloud metadata endpoint\)/],
      ['http://metadata.google.internal/computeMetadata/v1/', 'host_name', /metadata\.google\.internal is not allowed/],
      ['http://100.100.100.200/latest/meta-data/', 'address', /carrier-grade NAT/],
      ['http://127.0.0.1:6379', 'address', /127\.0\.0\.1 is a loopback address/],
      ['http://[::1]:5432', 'address', /::1 is a loopback address/],
      ['http://0x7f000001', 'address', /127\.0\.0\.1 is a loopback address/],
      ['http://2130706433', 'address', /127\.0\.0\.1 is a loopback address/],
      ['http://0177.0.0.1', 'address', /127\.0\.0\.1 is a loopback address/],
      ['http://127.1', 'address', /127\.0\.0\.1 is a loopback address/],
      ['http://10.1.2.3/erp', 'address', /10\.1\.2\.3 is a private address/],
      ['http://172.16.5.4/', 'address', /private/],
      ['http://192.168.1.10/', 'address', /192\.168\.1\.10 is a private address/],
      ['http://100.64.0.1/', 'address', /carrier-grade NAT/],
      ['http://224.0.0.1/', 'address', /multicast/],
      ['http://0.0.0.0:3000/', 'address', /unspecified/],
      ['http://[::]/', 'address', /unspecified/],
      ['http://[::ffff:127.0.0.1]/', 'address', /IPv4-mapped/],
      ['http://[::ffff:7f00:1]/', 'address', /IPv4-mapped/],
      ['http://[fc00::1]/', 'address', /unique-local/],
      ['http://[fe80::1]/', 'address', /link-local/],
      ['http://[ff02::1]/', 'address', /multicast/],
      ['http://localhost:3000/', 'host_name', /localhost is not allowed/],
      ['http://LOCALHOST./', 'host_name', /localhost is not allowed/],
      ['http://api.localhost/', 'host_name', /api\.localhost is not allowed/],
      ['http://loopback.example.com/', 'address', /loopback\.example\.com resolves to 127\.0\.0\.1 is a loopback address/],
      ['http://split.example.com/', 'address', /resolves to 10\.0\.0\.7 is a private address/],
      ['http://v6loop.example.com/', 'address', /resolves to ::1/],
      ['http://nowhere.example.com/', 'dns', /does not resolve/],
      ['ftp://erp.example.com/', 'scheme', /scheme ftp is not http or https/],
      ['file:///etc/passwd', 'scheme', /scheme file/],
      ['gopher://127.0.0.1:6379/_INFO', 'scheme', /gopher/],
      ['http://user:pw@erp.example.com/', 'userinfo', /credentials in the URL/],
      ['http://erp.example.com@127.0.0.1/', 'userinfo', /credentials in the URL/],
      ['not a url', 'invalid_url', /not an absolute URL/],
    ])('refuses %s for an ERP (%s)', async (url, reason, message) => {
      const e = await refusal(strict.assertAllowed(url, 'erp'));
      expect(e.reason).toBe(reason);
      expect(e.message).toMatch(message);
      expect(e.message).toMatch(/^outbound URL refused for erp: /);
    });

    it.each<OutboundPurpose>(['erp', 'webhook'])('accepts a public host for %s', async (purpose) => {
      await expect(strict.assertAllowed('https://erp.example.com/omnisync', purpose)).resolves.toMatchObject({ host: 'erp.example.com', port: 443 });
      await expect(strict.assertAllowed('http://93.184.216.34:8080/hook', purpose)).resolves.toMatchObject({ port: 8080 });
    });

    it.each([
      ['platform:douyin', 'https://openapi-fxg.jinritemai.com'],
      ['platform:taobao', 'https://eco.taobao.com/router/rest'],
      ['platform:xiaohongshu', 'https://ark.xiaohongshu.com'],
    ] as const)('accepts the production host for %s', async (purpose, url) => {
      await expect(strict.assertAllowed(url, purpose)).resolves.toMatchObject({ operatorAllowed: false });
    });

    it('refuses a public host that is not the platform API host, and another platform host', async () => {
      expect((await refusal(strict.assertAllowed('https://erp.example.com', 'platform:douyin'))).reason).toBe('not_platform_host');
      const e = await refusal(strict.assertAllowed('https://eco.taobao.com', 'platform:douyin'));
      expect(e.message).toBe('outbound URL refused for platform:douyin: eco.taobao.com is not a douyin API host');
    });

    it('alert robots: only the robot production hosts (a generic webhook may be any public host)', async () => {
      await expect(strict.assertAllowed('https://oapi.dingtalk.com/robot/send?access_token=x', 'alert:dingtalk')).resolves.toBeDefined();
      await expect(strict.assertAllowed('https://open.feishu.cn/open-apis/bot/v2/hook/t', 'alert:feishu')).resolves.toBeDefined();
      await expect(strict.assertAllowed('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', 'alert:wecom')).resolves.toBeDefined();
      const e = await refusal(strict.assertAllowed('https://erp.example.com/robot/send', 'alert:dingtalk'));
      expect(e.reason).toBe('not_platform_host');
      expect(e.message).toMatch(/erp\.example\.com is not a dingtalk robot host/);
      expect((await refusal(strict.assertAllowed('https://open.feishu.cn/x', 'alert:wecom'))).reason).toBe('not_platform_host');
      await expect(strict.assertAllowed('https://erp.example.com/alerts', 'webhook')).resolves.toBeDefined();
      // a simulator on loopback only through an operator allowance for its port
      const p = new OutboundPolicy({ allowHosts: ['127.0.0.1:4201'], lookup: DNS });
      await expect(p.assertAllowed('http://127.0.0.1:4201/robot/send', 'alert:dingtalk')).resolves.toMatchObject({ operatorAllowed: true });
      expect((await refusal(p.assertAllowed('http://127.0.0.1:4202/robot/send', 'alert:dingtalk'))).reason).toBe('not_platform_host');
    });

    it('the free function uses the strict policy by default', async () => {
      expect((await refusal(assertAllowed('http://127.0.0.1:4101', 'erp'))).reason).toBe('address');
    });
  });

  describe('operator allowances', () => {
    it('OUTBOUND_ALLOW_HOSTS host:port allows that port only, for every purpose', async () => {
      const p = new OutboundPolicy({ allowHosts: ['127.0.0.1:4101'], lookup: DNS });
      await expect(p.assertAllowed('http://127.0.0.1:4101', 'erp')).resolves.toMatchObject({ operatorAllowed: true });
      await expect(p.assertAllowed('http://127.0.0.1:4101', 'platform:douyin')).resolves.toMatchObject({ operatorAllowed: true });
      expect((await refusal(p.assertAllowed('http://127.0.0.1:6379', 'erp'))).reason).toBe('address');
      expect((await refusal(p.assertAllowed('http://127.0.0.1:6379', 'platform:douyin'))).reason).toBe('not_platform_host');
    });

    it('a host without port allows every port; names and numeric spellings match', async () => {
      const p = new OutboundPolicy({ allowHosts: ['127.0.0.1', 'sim.example.com:8080', '[::1]:4104'], lookup: DNS });
      await expect(p.assertAllowed('http://0x7f000001:9999', 'erp')).resolves.toMatchObject({ operatorAllowed: true });
      await expect(p.assertAllowed('http://sim.example.com:8080', 'webhook')).resolves.toMatchObject({ operatorAllowed: true });
      const namesOnly = new OutboundPolicy({ allowHosts: ['sim.example.com:8080'], lookup: DNS });
      expect((await refusal(namesOnly.assertAllowed('http://sim.example.com:8081', 'webhook'))).message).toMatch(/resolves to 127\.0\.0\.1/);
      await expect(p.assertAllowed('http://[0:0:0:0:0:0:0:1]:4104', 'erp')).resolves.toMatchObject({ operatorAllowed: true });
      expect((await refusal(p.assertAllowed('http://10.0.0.1', 'erp'))).reason).toBe('address');
    });

    it('OUTBOUND_ALLOW_LOOPBACK allows loopback and localhost, nothing else private', async () => {
      const p = new OutboundPolicy({ allowLoopback: true, lookup: DNS });
      await expect(p.assertAllowed('http://127.0.0.1:6379', 'erp')).resolves.toBeDefined();
      await expect(p.assertAllowed('http://localhost:4101', 'platform:taobao')).resolves.toBeDefined();
      await expect(p.assertAllowed('http://[::1]:4101', 'webhook')).resolves.toBeDefined();
      await expect(p.assertAllowed('http://loopback.example.com', 'erp')).resolves.toBeDefined();
      for (const url of ['http://169.254.169.254/', 'http://10.0.0.1/', 'http://[::ffff:127.0.0.1]/', 'http://split.example.com/']) {
        expect((await refusal(p.assertAllowed(url, 'erp'))).reason).toBe('address');
      }
    });

    it('platform base URL overrides are platform hosts, their addresses still checked', async () => {
      const p = new OutboundPolicy({ platformBaseUrls: { douyin: ['https://erp.example.com/', 'http://sim.example.com:4101'] }, lookup: DNS });
      await expect(p.assertAllowed('https://erp.example.com', 'platform:douyin')).resolves.toBeDefined();
      expect((await refusal(p.assertAllowed('https://erp.example.com', 'platform:taobao'))).reason).toBe('not_platform_host');
      expect((await refusal(p.assertAllowed('http://sim.example.com:4101', 'platform:douyin'))).reason).toBe('address');
    });

    it("reads the overrides from the app's env (PLATFORM_BASE_URL_*): that platform only", () => {
      const env = { OUTBOUND_ALLOW_HOSTS: '', OUTBOUND_ALLOW_LOOPBACK: false, PLATFORM_BASE_URL_DOUYIN: 'https://openapi-sandbox.example.com' };
      expect(platformBaseUrlsOf(env)).toEqual({ douyin: ['https://openapi-sandbox.example.com'] });
      const p = outboundPolicyFromEnv(env);
      expect(p.checkUrl('https://openapi-sandbox.example.com/x', 'platform:douyin').host).toBe('openapi-sandbox.example.com');
      expect(() => p.checkUrl('https://openapi-sandbox.example.com/x', 'platform:xiaohongshu')).toThrow(OutboundUrlRefusedError);
      expect(() => outboundPolicyFromEnv({ OUTBOUND_ALLOW_HOSTS: '', OUTBOUND_ALLOW_LOOPBACK: false }).checkUrl('https://openapi-sandbox.example.com/x', 'platform:douyin')).toThrow(
        OutboundUrlRefusedError,
      );
    });
  });

  describe('parseAllowHosts', () => {
    it('splits and trims, and names a malformed entry', () => {
      expect(parseAllowHosts(' 127.0.0.1:4101, [::1]:4104 ,sim.example.com,')).toEqual(['127.0.0.1:4101', '[::1]:4104', 'sim.example.com']);
      expect(parseAllowHosts(undefined)).toEqual([]);
      expect(() => parseAllowHosts('127.0.0.1:4101,http://x')).toThrow('"http://x" is not host or host:port');
      expect(() => parseAllowHosts('127.0.0.1:99999')).toThrow('"127.0.0.1:99999"');
    });
  });
});
