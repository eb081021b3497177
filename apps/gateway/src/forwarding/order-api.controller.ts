import { Body, Controller, Get, HttpCode, Inject, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { CurrentPrincipal, OperatorMayActFor, Roles } from '../auth/decorators';
import { UuidParam } from '../auth/uuid-param';
import type { Principal } from '../auth/principal';
import { ServiceForwarder } from './service-forwarder';

export const ORDER_SYNC_FORWARDER = Symbol('ORDER_SYNC_FORWARDER');

/**
 * The order API on the public surface, served by order-sync. Bodies and queries are validated by
 * order-sync (its 400s name the field and pass through unchanged); results are scoped to the
 * caller's merchant.
 *
 * GET /erp/orders returns buyer data (names, phones, addresses), so it takes the `erp` role only — not
 * admin: an admin who needs it mints an erp key, and that act is itself in the audit log — and every
 * call is recorded (acting key, orders returned, cursors) in the audit log.
 */
@ApiTags('erp')
@ApiBearerAuth()
@Controller()
export class OrderApiController {
  constructor(
    @Inject(ORDER_SYNC_FORWARDER) private readonly orderSync: ServiceForwarder,
    private readonly audit: AuditService,
  ) {}

  @Get('erp/orders')
  @Roles('erp')
  @ApiOperation({ summary: 'Orders in change order for ERPs that pull: ?cursor=&limit= (returns nextCursor). Buyer data: erp keys only, every read audited' })
  async listOrders(@CurrentPrincipal() p: Principal, @Query() query: Record<string, string>): Promise<unknown> {
    const page = await this.orderSync.forward<{ orders?: unknown; nextCursor?: unknown }>({ method: 'GET', path: '/erp/orders', query, merchantId: p.merchantId });
    // recorded before the data leaves: a read that cannot be audited is not answered
    await this.audit.record(p, 'erp_orders.read', { type: 'erp_orders' }, {
      count: Array.isArray(page.orders) ? page.orders.length : 0,
      cursor: typeof query.cursor === 'string' ? query.cursor : null,
      nextCursor: typeof page.nextCursor === 'string' ? page.nextCursor : null,
    });
    return page;
  }

  @Post('erp/orders/ack')
  @HttpCode(200)
  @Roles('erp', 'admin')
  @ApiOperation({ summary: 'Acknowledge pulled orders: {orderIds} or {cursor} (stops their SLA clock)' })
  ackOrders(@CurrentPrincipal() p: Principal, @Body() body: Record<string, unknown>): Promise<unknown> {
    return this.orderSync.forward({ method: 'POST', path: '/erp/orders/ack', body, merchantId: p.merchantId });
  }

  @Post('erp/shipments')
  @HttpCode(200)
  @Roles('erp', 'admin')
  @ApiOperation({ summary: 'Shipments (tracking number, carrier, order or split lines) written back to the platforms' })
  postShipments(@CurrentPrincipal() p: Principal, @Body() body: Record<string, unknown>): Promise<unknown> {
    return this.orderSync.forward({ method: 'POST', path: '/erp/shipments', body, merchantId: p.merchantId });
  }

  @Get('erp/shipments')
  @Roles('erp', 'admin', 'ops')
  @ApiOperation({ summary: 'Shipment results per order: ?orderId=' })
  listShipments(@CurrentPrincipal() p: Principal, @Query() query: Record<string, string>): Promise<unknown> {
    return this.orderSync.forward({ method: 'GET', path: '/erp/shipments', query, merchantId: p.merchantId });
  }

  @Get('ops/sla')
  @OperatorMayActFor()
  @Roles('ops', 'admin')
  @ApiTags('ops')
  @ApiOperation({ summary: 'Pay -> ERP-ack latency p50/p95/p99 and breaches per platform for ?from=&to=, with the late orders' })
  sla(@CurrentPrincipal() p: Principal, @Query() query: Record<string, string>): Promise<unknown> {
    return this.orderSync.forward({ method: 'GET', path: '/ops/sla', query, merchantId: p.merchantId });
  }

  @Get('ops/queues')
  @OperatorMayActFor()
  @Roles('ops', 'admin')
  @ApiTags('ops')
  @ApiOperation({ summary: "The caller merchant's own work: pending/failed inbox messages, ERP deliveries and shipments, oldest pending age; per shop, the platform calls per second the order rate needs against the quota" })
  queues(@CurrentPrincipal() p: Principal): Promise<unknown> {
    return this.orderSync.forward({ method: 'GET', path: '/ops/queues', merchantId: p.merchantId });
  }

  @Get('ops/throughput')
  @OperatorMayActFor()
  @Roles('ops', 'admin')
  @ApiTags('ops')
  @ApiOperation({ summary: 'Per platform paid orders per minute and pay -> ERP-ack p50/p99 per minute over the last ?minutes= (1-60, default 15), with totals (the ops page charts)' })
  throughput(@CurrentPrincipal() p: Principal, @Query() query: Record<string, string>): Promise<unknown> {
    return this.orderSync.forward({ method: 'GET', path: '/ops/throughput', query, merchantId: p.merchantId });
  }

  @Get('ops/breakers')
  @OperatorMayActFor()
  @Roles('ops', 'admin')
  @ApiTags('ops')
  @ApiOperation({ summary: "Breakers per upstream the caller merchant's work goes through (its ERP lane, its shops' platform breakers), as the answering order-sync instance sees them" })
  breakers(@CurrentPrincipal() p: Principal): Promise<unknown> {
    return this.orderSync.forward({ method: 'GET', path: '/ops/breakers', merchantId: p.merchantId });
  }

  @Post('ops/outbox/retry')
  @HttpCode(200)
  @Roles('ops', 'admin')
  @ApiTags('ops')
  @ApiOperation({ summary: "Retry the caller merchant's failed ERP deliveries: {ids} (others' ids come back in notFound) or {all: true}" })
  retryOutbox(@CurrentPrincipal() p: Principal, @Body() body: Record<string, unknown>): Promise<unknown> {
    return this.orderSync.forward({ method: 'POST', path: '/ops/outbox/retry', body, merchantId: p.merchantId });
  }

  @Get('retention-settings')
  @Roles('admin')
  @ApiTags('retention')
  @ApiOperation({ summary: "The caller merchant's retention per kind of row (inbox message ids, ERP deliveries, SLA events, audit): days in force, the merchant's own value, the deployment default and the floor" })
  retention(@CurrentPrincipal() p: Principal): Promise<unknown> {
    return this.orderSync.forward({ method: 'GET', path: '/retention-settings', merchantId: p.merchantId });
  }

  @Patch('retention-settings')
  @Roles('admin')
  @ApiTags('retention')
  @ApiOperation({ summary: 'Set the caller merchant\'s retention: {inboxDays, outboxDays, slaEventsDays, auditDays}, whole days at least the floor (inbox 7: the platforms\' redelivery window), null for the deployment default' })
  async setRetention(@CurrentPrincipal() p: Principal, @Body() body: Record<string, unknown>): Promise<unknown> {
    // order-sync validates (a 400 names the field and changes nothing); recorded once it took the values
    const out = await this.orderSync.forward({ method: 'PATCH', path: '/retention-settings', body, merchantId: p.merchantId });
    await this.audit.record(p, 'retention_settings.update', { type: 'retention_settings' }, { ...body });
    return out;
  }

  // "where is order X?" — no buyer data in a trace, so ops may read it
  @Get('orders/trace')
  @Roles('ops', 'admin')
  @ApiTags('ops')
  @ApiOperation({ summary: "One order's whole path by ?platform=&platformOrderId= (push or poll, inbox, versions, ERP deliveries, ack, SLA events, shipments), the caller merchant's orders only" })
  traceByPlatformOrderId(@CurrentPrincipal() p: Principal, @Query() query: Record<string, string>): Promise<unknown> {
    return this.orderSync.forward({ method: 'GET', path: '/orders/trace', query, merchantId: p.merchantId });
  }

  @Get('orders/:id/trace')
  @Roles('ops', 'admin')
  @ApiTags('ops')
  @ApiOperation({ summary: "One order's whole path by omnisync order id, with timestamps (another merchant's id is a 404)" })
  trace(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<unknown> {
    return this.orderSync.forward({ method: 'GET', path: `/orders/${id}/trace`, merchantId: p.merchantId });
  }
}
