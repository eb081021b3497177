import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { registerQueues } from '@app/queue';
import { INBOX_WRITER_OPTIONS, InboxWriter, type InboxWriterOptions } from './inbox-writer';

/**
 * Provides InboxWriter. Needs a TypeORM `DataSource` provider and `BullModule.forRoot` (QueueModule) in the app;
 * `{order-events}` is registered with its QUEUE_JOB_OPTIONS entry (libs/queue) like every queue.
 */
@Module({})
export class IntakeModule {
  static register(opts: { writer?: InboxWriterOptions; imports?: ModuleMetadata['imports'] } = {}): DynamicModule {
    return {
      module: IntakeModule,
      imports: [...(opts.imports ?? []), registerQueues([QUEUE.ORDER_EVENTS], { connection: 'root' })],
      providers: [{ provide: INBOX_WRITER_OPTIONS, useValue: opts.writer ?? {} }, InboxWriter],
      exports: [InboxWriter],
    };
  }
}
