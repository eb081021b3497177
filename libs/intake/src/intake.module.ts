import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { QUEUE } from '@app/contracts';
import { INBOX_WRITER_OPTIONS, InboxWriter, type InboxWriterOptions } from './inbox-writer';

/**
 * Provides InboxWriter. Needs a TypeORM `DataSource` provider and `BullModule.forRoot` in the app.
 */
@Module({})
export class IntakeModule {
  static register(opts: { writer?: InboxWriterOptions; imports?: ModuleMetadata['imports'] } = {}): DynamicModule {
    return {
      module: IntakeModule,
      imports: [...(opts.imports ?? []), BullModule.registerQueue({ name: QUEUE.ORDER_EVENTS })],
      providers: [{ provide: INBOX_WRITER_OPTIONS, useValue: opts.writer ?? {} }, InboxWriter],
      exports: [InboxWriter],
    };
  }
}
