import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { SlaModule } from '../sla/sla.module';
import { BreakerStatesService } from './breaker-states.service';
import { MerchantWorkService } from './merchant-work.service';
import { OpsController } from './ops.controller';
import { QuotaUseService } from './quota-use.service';
import { ThroughputService } from './throughput.service';

/** The ops endpoints (/ops/sla, /ops/outbox/retry, work, quota, throughput, breakers). */
@Module({
  imports: [SlaModule, DeliveryModule],
  controllers: [OpsController],
  providers: [MerchantWorkService, QuotaUseService, ThroughputService, BreakerStatesService],
})
export class OpsModule {}
