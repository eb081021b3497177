import { type CanActivate, type ExecutionContext, Inject, Injectable, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY } from '@app/observability';
import { NonceStore } from './nonce-store';
import { DEFAULT_SIGNATURE_WINDOW_MS, verifyServiceCall } from './service-signature';

export const SERVICE_AUTH_OPTIONS = Symbol('SERVICE_AUTH_OPTIONS');

export interface ServiceAuthOptions {
  /** INTERNAL_SERVICE_SECRET, shared with the gateway */
  secret: string;
  windowMs?: number;
}

/** The verified caller of an internal route: the merchant (and roles) the gateway signed. */
export interface ServiceCaller {
  merchantId: string;
  roles: string[];
}

export interface RequestWithServiceCaller {
  method: string;
  url: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
  serviceCaller?: ServiceCaller;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Global guard of the internal services (order-sync, catalog-sync, coupon): every route but the public ones
 * (health) needs a gateway signature (see service-signature.ts) naming a merchant. Unsigned, forged, expired,
 * replayed or merchant-less calls: 401. The merchant and roles headers a route reads are the signed ones.
 */
@Injectable()
export class ServiceSignatureGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(SERVICE_AUTH_OPTIONS) private readonly opts: ServiceAuthOptions,
    private readonly nonces: NonceStore,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<RequestWithServiceCaller>();
    const windowMs = this.opts.windowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;
    const r = verifyServiceCall(this.opts.secret, { method: req.method, pathAndQuery: req.originalUrl ?? req.url, headers: req.headers, rawBody: req.rawBody, windowMs });
    if (!r.ok) throw new UnauthorizedException(r.reason);
    if (!UUID.test(r.merchantId)) throw new UnauthorizedException('the signed call names no merchant');
    let fresh: boolean;
    try {
      // twice the window: a timestamp may be up to `windowMs` in the future as well as in the past
      fresh = await this.nonces.claim(r.nonce, windowMs * 2);
    } catch (e) {
      throw new ServiceUnavailableException(`cannot check the call's nonce (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!fresh) throw new UnauthorizedException('replayed internal call');
    req.serviceCaller = { merchantId: r.merchantId.toLowerCase(), roles: r.roles };
    return true;
  }
}
