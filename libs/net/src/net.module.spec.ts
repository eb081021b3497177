import { BadRequestException } from '@nestjs/common';
import { OutboundPolicy } from './outbound-policy';
import { assertOutboundUrlField } from './net.module';

describe(assertOutboundUrlField.name, () => {
  const policy = new OutboundPolicy({ lookup: ((_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) => cb(null, [{ address: '93.184.216.34', family: 4 }])) as never });

  it('turns a refusal into a 400 naming the field and why', async () => {
    const e = await assertOutboundUrlField(policy, 'baseUrl', 'http://[::1]:5432', 'erp').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BadRequestException);
    expect((e as BadRequestException).getResponse()).toMatchObject({ statusCode: 400, message: ['baseUrl: outbound URL refused for erp: ::1 is a loopback address'] });
  });

  it('passes an allowed URL', async () => {
    await expect(assertOutboundUrlField(policy, 'baseUrl', 'https://erp.example.com/omnisync', 'erp')).resolves.toBeUndefined();
  });
});
