import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UsePipes, ValidationPipe } from '@nestjs/common';
import { RequiresRole } from '../ops/roles';
import { MerchantId } from '../shared/merchant-id.decorator';
import { CreateShipmentsDto, ListShipmentsQueryDto } from './dto/erp-shipments.dto';
import { ShipmentIntakeService } from './shipment-intake.service';
import type { ShipmentAccepted, ShipmentView } from './shipment.types';

const validation = new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });

/**
 * The ERP sends shipments (tracking numbers) to write back to the platforms, and reads their outcome. Scoped
 * to the merchant the gateway forwards (x-omnisync-merchant-id): another merchant's orders are not found.
 */
@Controller('erp/shipments')
@RequiresRole('erp', 'admin')
@UsePipes(validation)
export class ErpShipmentsController {
  constructor(private readonly intake: ShipmentIntakeService) {}

  /** 202: recorded and queued; each item's outcome is then visible through GET */
  @Post()
  @HttpCode(202)
  create(@MerchantId() merchantId: string, @Body() body: CreateShipmentsDto): Promise<{ results: ShipmentAccepted[]; enqueued: boolean }> {
    return this.intake.create(merchantId, body.shipments);
  }

  @Get()
  list(@MerchantId() merchantId: string, @Query() q: ListShipmentsQueryDto): Promise<{ orderId: string; shipments: ShipmentView[] }> {
    return this.intake.listForOrder(merchantId, q.orderId);
  }
}

/** The same per-order view for operators. */
@Controller('orders')
@RequiresRole('erp', 'ops', 'admin')
export class OrderShipmentsController {
  constructor(private readonly intake: ShipmentIntakeService) {}

  @Get(':id/shipments')
  list(@MerchantId() merchantId: string, @Param('id', new ParseUUIDPipe()) id: string): Promise<{ orderId: string; shipments: ShipmentView[] }> {
    return this.intake.listForOrder(merchantId, id);
  }
}
