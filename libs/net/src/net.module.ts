// Import as '@app/net/net.module': @nestjs/common 12 is ESM-only, so the '@app/net' barrel stays Nest-free.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { OutboundPolicy } from './outbound-policy';

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
