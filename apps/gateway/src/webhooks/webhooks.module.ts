import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { IntakeModule, type InboxWriterOptions } from '@app/intake';
import { PlatformRegistry, platformRegistry } from '@app/platforms';
import { WebhookIntakeService } from './webhook-intake.service';
import { WebhooksController } from './webhooks.controller';

export { applyWebhookBodyParser, captureWebhookBody, WEBHOOK_BODY_LIMIT_BYTES } from './webhook-body.middleware';

/**
 * POST /webhooks/:platform for every registered platform whose orders are pushed (douyin, xiaohongshu). Needs ShopDirectory and PlatformAdapterLookup (from
 * `imports` or global modules), a TypeORM DataSource and BullModule.forRoot; and main.ts must call
 * applyWebhookBodyParser(app) before listen().
 */
@Module({})
export class WebhooksModule {
  static register(opts: { imports?: ModuleMetadata['imports']; writer?: InboxWriterOptions; platforms?: PlatformRegistry } = {}): DynamicModule {
    return {
      module: WebhooksModule,
      imports: [...(opts.imports ?? []), IntakeModule.register({ writer: opts.writer, imports: opts.imports })],
      controllers: [WebhooksController],
      // the platform registry (tests pass their own, e.g. with a fifth platform)
      providers: [WebhookIntakeService, { provide: PlatformRegistry, useValue: opts.platforms ?? platformRegistry }],
    };
  }
}
