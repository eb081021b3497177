import { Body, Controller, Get, HttpCode, Post, Query, UsePipes, ValidationPipe } from '@nestjs/common';
import { RequiresRole } from '../ops/roles';
import { MerchantId } from '../shared/merchant-id.decorator';
import { AckErpOrdersDto, ListErpOrdersQueryDto } from './dto/erp-orders.dto';
import { ErpOrdersService, type ErpOrderPage } from './erp-orders.service';

@Controller('erp/orders')
@RequiresRole('erp')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
export class ErpOrdersController {
  constructor(private readonly erpOrders: ErpOrdersService) {}

  @Get()
  list(@MerchantId() merchantId: string, @Query() q: ListErpOrdersQueryDto): Promise<ErpOrderPage> {
    return this.erpOrders.list(merchantId, q.cursor, q.limit ?? 100);
  }

  @Post('ack')
  @HttpCode(200)
  ack(@MerchantId() merchantId: string, @Body() body: AckErpOrdersDto): Promise<{ acked: number }> {
    return this.erpOrders.ack(merchantId, body);
  }
}
