import { Module } from '@nestjs/common';
import { ForwardingModule } from '../forwarding/forwarding.module';
import { ShopsModule } from '../shops/shops.module';
import { ExceptionsController } from './exceptions.controller';

/** GET /exceptions and its actions, merged from the gateway's shops and the internal services. */
@Module({
  imports: [ForwardingModule, ShopsModule],
  controllers: [ExceptionsController],
})
export class ExceptionsModule {}
