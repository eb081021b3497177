import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROLES, type Role } from '@app/contracts';
import { MERCHANT_HEADER, ROLES_HEADER } from './service-signature';
import type { ServiceCaller } from './service-signature.guard';

/**
 * The internal services (catalog-sync, coupon) sit behind the gateway, which authenticates the API key and
 * forwards the request with
 *   x-omnisync-merchant-id: <uuid of the key's merchant>
 *   x-omnisync-roles: <comma separated roles of the key>
 * signed (libs/service-auth): the app's global ServiceSignatureGuard refuses anything else, and this guard reads
 * the verified caller it leaves (the headers only in feature-module tests, which mount no signature guard).
 * It enforces the route's roles. Missing / malformed merchant id: 401; none of the route's roles: 403.
 */
const SERVICE_ROLES_KEY = 'omnisync:serviceRoles';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MerchantContext {
  merchantId: string;
  roles: Role[];
}

interface RequestWithMerchant {
  headers: Record<string, string | string[] | undefined>;
  merchant?: MerchantContext;
  serviceCaller?: ServiceCaller;
}

/** The caller must hold one of these roles (forwarded by the gateway in x-omnisync-roles). */
export const ServiceRoles = (...roles: Role[]) => SetMetadata(SERVICE_ROLES_KEY, roles);

function header(req: RequestWithMerchant, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

@Injectable()
export class MerchantContextGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<RequestWithMerchant>();
    const merchantId = (req.serviceCaller?.merchantId ?? header(req, MERCHANT_HEADER))?.trim();
    if (!merchantId || !UUID_RE.test(merchantId)) throw new UnauthorizedException(`${MERCHANT_HEADER} header (merchant uuid) is required`);
    const roles = (req.serviceCaller ? req.serviceCaller.roles : (header(req, ROLES_HEADER) ?? '').split(','))
      .map((r) => r.trim())
      .filter((r): r is Role => (ROLES as readonly string[]).includes(r));
    const needed = this.reflector.getAllAndOverride<Role[] | undefined>(SERVICE_ROLES_KEY, [ctx.getHandler(), ctx.getClass()]) ?? [];
    if (needed.length > 0 && !needed.some((r) => roles.includes(r))) {
      throw new ForbiddenException(`requires one of the roles: ${needed.join(', ')}`);
    }
    req.merchant = { merchantId: merchantId.toLowerCase(), roles };
    return true;
  }
}

/** The merchant the gateway authenticated (set by MerchantContextGuard). */
export const MerchantId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const m = ctx.switchToHttp().getRequest<RequestWithMerchant>().merchant;
  if (!m) throw new UnauthorizedException('no merchant context');
  return m.merchantId;
});
