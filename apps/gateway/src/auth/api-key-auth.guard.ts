import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Optional,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@app/contracts';
import { admitApiKey } from '../limits/key-gate';
import { RateLimitService } from '../limits/rate-limit.service';
import { ApiKeysService } from './api-keys.service';
import { IS_PUBLIC_KEY, ROLES_KEY } from './decorators';
import type { RequestWithPrincipal } from './principal';

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
 */
@Injectable()
export class ApiKeyAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    // explicit token: a `T | null` parameter type is emitted as Object in the decorator metadata
    @Optional() @Inject(RateLimitService) private readonly limiter?: RateLimitService | null,
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

    const result = await admitApiKey(m[1], this.apiKeys, this.limiter, req);
    if (!result.ok) {
      if (result.status === 401) throw new UnauthorizedException(result.message);
      ctx.switchToHttp().getResponse<HttpResponse>().setHeader('Retry-After', String(result.retryAfterSec));
      throw new HttpException({ statusCode: 429, error: 'Too Many Requests', message: result.message }, HttpStatus.TOO_MANY_REQUESTS);
    }
    req.principal = result.principal;

    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (required && required.length > 0 && !required.some((r) => result.principal.roles.includes(r))) {
      throw new ForbiddenException(
        `this action needs one of the roles: ${required.join(', ')} (this key has: ${result.principal.roles.join(', ')})`,
      );
    }
    return true;
  }
}
