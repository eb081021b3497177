// Import as '@app/net/net.module': @nestjs/common 12 is ESM-only, so the '@app/net' barrel stays Nest-free.
import { BadRequestException, Global, Module, type DynamicModule } from '@nestjs/common';
import { OutboundPolicy } from './outbound-policy';
import type { OutboundPurpose } from './outbound-purpose';
import { isOutboundUrlRefusedError } from './outbound-url-refused.error';

/**
 * Provides the app's one OutboundPolicy (the class is the DI token), e.g. for save-time checks of a
 * merchant's ERP or webhook URL: `await policy.assertAllowed(url, 'erp')`, OutboundUrlRefusedError -> 400.
 */
@Global()
@Module({})
export class NetModule {
  static forRoot(policy: OutboundPolicy): DynamicModule {
    return { module: NetModule, providers: [{ provide: OutboundPolicy, useValue: policy }], exports: [OutboundPolicy] };
  }
}

/**
 * The save-time check for a URL field of a request: a refused URL is a 400 naming the field and why
 * (e.g. `webhookUrl: outbound URL refused for webhook: 127.0.0.1 is a loopback address`); nothing is saved.
 */
export async function assertOutboundUrlField(policy: OutboundPolicy, field: string, url: string, purpose: OutboundPurpose): Promise<void> {
  try {
    await policy.assertAllowed(url, purpose);
  } catch (e) {
    if (isOutboundUrlRefusedError(e)) throw new BadRequestException([`${field}: ${e.message}`]);
    throw e;
  }
}
