import {
  BadRequestException,
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  NotFoundException,
  Optional,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { Role } from '@app/contracts';
import { admitApiKey } from '../limits/key-gate';
import { RateLimitService } from '../limits/rate-limit.service';
import { ApiKeysService } from './api-keys.service';
import { OperatorCredential } from '../ops/operator-credential';
import { IS_PUBLIC_KEY, OPERATOR_MAY_ACT_KEY, ROLES_KEY } from './decorators';
import { OPERATOR_MERCHANT_HEADER, type Principal, type RequestWithPrincipal } from './principal';


interface HttpRequest extends RequestWithPrincipal {
  headers: Record<string, string | string[] | undefined>;
}

interface HttpResponse {
  setHeader(name: string, value: string): void;
}

/**
 * Global guard: every HTTP route needs `Authorization: Bearer osk_…` unless marked @Public().
 * 401 for a missing, malformed, unknown, expired or revoked key; 429 with Retry-After over the key's or
 * the merchant's rate limit (when LimitsModule is loaded); 403 when @Roles(...) does not match.
 * On @OperatorMayActFor() routes the platform operator's token is accepted too, acting for the merchant in
 * `x-ops-merchant` with the ops role (400 without it, 404 for an unknown merchant).
 */
@Injectable()
export class ApiKeyAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    // explicit token: a `T | null` parameter type is emitted as Object in the decorator metadata
    @Optional() @Inject(RateLimitService) private readonly limiter?: RateLimitService | null,
    @Optional() @Inject(OperatorCredential) private readonly operator?: OperatorCredential | null,
    @Optional() @Inject(DataSource) private readonly dataSource?: DataSource | null,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;

    const req = ctx.switchToHttp().getRequest<HttpRequest>();
    const header = req.headers['authorization'];
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) throw new UnauthorizedException('missing API key: send "Authorization: Bearer osk_<prefix>_<secret>"');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
    if (!m) throw new UnauthorizedException('malformed Authorization header: expected "Bearer osk_<prefix>_<secret>"');

    if (this.reflector.getAllAndOverride<boolean>(OPERATOR_MAY_ACT_KEY, targets) && this.operator?.matches(m[1])) {
      req.principal = await operatorActingFor(req, this.dataSource);
      return this.checkRoles(targets, req.principal);
    }

    const result = await admitApiKey(m[1], this.apiKeys, this.limiter, req);
    if (!result.ok) {
      if (result.status === 401) throw new UnauthorizedException(result.message);
      ctx.switchToHttp().getResponse<HttpResponse>().setHeader('Retry-After', String(result.retryAfterSec));
      throw new HttpException({ statusCode: 429, error: 'Too Many Requests', message: result.message }, HttpStatus.TOO_MANY_REQUESTS);
    }
    req.principal = result.principal;
    return this.checkRoles(targets, result.principal);
  }

  private checkRoles(targets: Parameters<Reflector['getAllAndOverride']>[1], principal: Principal): boolean {
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (required && required.length > 0 && !required.some((r) => principal.roles.includes(r))) {
      throw new ForbiddenException(`this action needs one of the roles: ${required.join(', ')} (this key has: ${principal.roles.join(', ')})`);
    }
    return true;
  }

}

/**
 * The operator acting for the merchant named in x-ops-merchant (an existing one), with the ops role: 400 without
 * a merchant uuid, 404 for an unknown merchant. The API-key guard's @OperatorMayActFor() routes and the alert
 * routes' guard both resolve the operator this way.
 */
export async function operatorActingFor(req: { headers: Record<string, string | string[] | undefined> }, dataSource?: DataSource | null): Promise<Principal> {
  const raw = req.headers[OPERATOR_MERCHANT_HEADER];
  const merchantId = Array.isArray(raw) ? raw[0] : raw;
  if (!merchantId || !UUID.test(merchantId)) throw new BadRequestException(`${OPERATOR_MERCHANT_HEADER} header must name the merchant (its UUID) the operator acts for`);
  const found = dataSource ? await dataSource.query(`SELECT 1 FROM core.merchants WHERE id = $1::uuid`, [merchantId]) : [];
  if (found.length === 0) throw new NotFoundException(`merchant ${merchantId} not found`);
  return { merchantId, keyId: 'operator', roles: ['ops'], operator: true };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
