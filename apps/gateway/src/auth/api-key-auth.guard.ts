import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@app/contracts';
import { ApiKeysService } from './api-keys.service';
import { IS_PUBLIC_KEY, ROLES_KEY } from './decorators';
import type { RequestWithPrincipal } from './principal';

interface HttpRequest extends RequestWithPrincipal {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Global guard: every HTTP route needs `Authorization: Bearer osk_…` unless marked @Public().
 * 401 for a missing, malformed, unknown or revoked key; 403 when @Roles(...) does not match.
 */
@Injectable()
export class ApiKeyAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
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

    const result = await this.apiKeys.authenticate(m[1]);
    if (!result.ok) throw new UnauthorizedException(result.message);
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
