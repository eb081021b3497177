import { Controller, Get, Param, Query, UsePipes, ValidationPipe } from '@nestjs/common';
import { RequiresRole } from '../ops/roles';
import { MerchantId } from '../shared/merchant-id.decorator';
import { OrderIdParamDto, PlatformOrderQueryDto } from './order-trace.dto';
import { OrderTraceService, type OrderTrace } from './order-trace.service';

/** "Where is order X?": the caller merchant's orders only (another's id is a 404, like an unknown one). */
@Controller('orders')
@RequiresRole('ops', 'admin')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
export class OrderTraceController {
  constructor(private readonly traces: OrderTraceService) {}

  // declared before :id/trace so that "trace" is never read as an id
  @Get('trace')
  byPlatformOrderId(@MerchantId() merchantId: string, @Query() q: PlatformOrderQueryDto): Promise<{ traces: OrderTrace[] }> {
    return this.traces.byPlatformOrderId(merchantId, q.platform, q.platformOrderId);
  }

  @Get(':id/trace')
  byId(@MerchantId() merchantId: string, @Param() p: OrderIdParamDto): Promise<OrderTrace> {
    return this.traces.byId(merchantId, p.id);
  }
}
