import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { ExceptionsController } from './exceptions.controller';
import { ExceptionsRepository } from './exceptions.repository';
import { ExceptionsService } from './exceptions.service';

/** The exceptions queue for ops (failed inbox / outbox rows, retry and dismiss). */
@Module({
  imports: [DeliveryModule],
  controllers: [ExceptionsController],
  providers: [ExceptionsRepository, ExceptionsService],
})
export class ExceptionsModule {}
