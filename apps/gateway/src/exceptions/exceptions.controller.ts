import { BadRequestException, Body, Controller, Get, HttpCode, HttpException, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EXCEPTION_SERVICE, exceptionTypeOf, type OpsException } from '@app/contracts';
import { AuditService } from '../audit/audit.service';
import { CurrentPrincipal, OperatorMayActFor, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { CATALOG_SYNC_FORWARDER, COUPON_FORWARDER } from '../forwarding/forwarding.module';
import { ORDER_SYNC_FORWARDER } from '../forwarding/order-api.controller';
import type { ServiceForwarder } from '../forwarding/service-forwarder';
import { ShopsService } from '../shops/shops.service';
import { shopExceptions } from './shop-exceptions';

export interface ExceptionInbox {
  exceptions: OpsException[];
  /** services that did not answer: their exceptions are missing from this list, said rather than hidden */
  unavailable: string[];
}

/**
 * The exception inbox (issue 10 item 5): the caller merchant's exceptions from every service, merged newest
 * first. Each service derives its own from its tables and acts on its own keys; the key's type names the service.
 */
@ApiTags('ops')
@ApiBearerAuth()
@Controller('exceptions')
export class ExceptionsController {
  constructor(
    @Inject(ORDER_SYNC_FORWARDER) private readonly orderSync: ServiceForwarder,
    @Inject(CATALOG_SYNC_FORWARDER) private readonly catalogSync: ServiceForwarder,
    @Inject(COUPON_FORWARDER) private readonly coupon: ServiceForwarder,
    private readonly shops: ShopsService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @OperatorMayActFor()
  @Roles('ops', 'admin')
  @ApiOperation({ summary: "Everything that needs a person, typed, with context and actions (retry / resolve / reauthorize): ERP rejections, failed shipments and publishes, unprocessable pushes, refused transitions, stock drift, shops needing re-authorisation, coupons a platform refused to create or stop" })
  async list(@CurrentPrincipal() p: Principal): Promise<ExceptionInbox> {
    const unavailable: string[] = [];
    const from = async (f: ServiceForwarder): Promise<OpsException[]> => {
      try {
        return (await f.forward<{ exceptions: OpsException[] }>({ method: 'GET', path: '/exceptions', merchantId: p.merchantId, roles: p.roles })).exceptions;
      } catch (e) {
        if (e instanceof HttpException && e.getStatus() >= 500) {
          unavailable.push(f.service);
          return [];
        }
        throw e;
      }
    };
    const [own, orders, catalog, coupons] = await Promise.all([
      this.shops.list(p.merchantId).then((s) => shopExceptions(s)),
      from(this.orderSync),
      from(this.catalogSync),
      from(this.coupon),
    ]);
    return { exceptions: [...own, ...orders, ...catalog, ...coupons].sort((a, b) => b.since.localeCompare(a.since)), unavailable };
  }

  @Post(':key/resolve')
  @OperatorMayActFor()
  @HttpCode(200)
  @Roles('ops', 'admin')
  @ApiOperation({ summary: 'Acknowledge an exception ({note} optional): hidden from then on (a retried item that fails again comes back under a new key)' })
  async resolve(@CurrentPrincipal() p: Principal, @Param('key') key: string, @Body() body: Record<string, unknown>): Promise<unknown> {
    const result = await this.owner(key).forward({ method: 'POST', path: `/exceptions/${encodeURIComponent(key)}/resolve`, body, merchantId: p.merchantId, roles: p.roles });
    await this.audit.record(p, 'exception.resolve', { type: 'exception', id: key }, { note: typeof body?.note === 'string' ? body.note : null });
    return result;
  }

  @Post(':key/retry')
  @OperatorMayActFor()
  @HttpCode(200)
  @Roles('ops', 'admin')
  @ApiOperation({ summary: 'Run the failed work again (ERP delivery, shipment write-back, push processing, publish)' })
  async retry(@CurrentPrincipal() p: Principal, @Param('key') key: string): Promise<unknown> {
    const result = await this.owner(key).forward({ method: 'POST', path: `/exceptions/${encodeURIComponent(key)}/retry`, merchantId: p.merchantId, roles: p.roles });
    await this.audit.record(p, 'exception.retry', { type: 'exception', id: key }, {});
    return result;
  }

  private owner(key: string): ServiceForwarder {
    const type = exceptionTypeOf(key);
    if (!type) throw new BadRequestException(['key must be an exception key from GET /exceptions']);
    const service = EXCEPTION_SERVICE[type];
    if (service === 'gateway') throw new BadRequestException([`key: a ${type} exception goes away when the shop is re-authorised (POST /shops/authorize); it has no resolve or retry`]);
    return service === 'order-sync' ? this.orderSync : service === 'coupon' ? this.coupon : this.catalogSync;
  }
}
