import { type CanActivate, type ExecutionContext, ForbiddenException, HttpException, HttpStatus, Inject, Injectable, Optional, UnauthorizedException } from '@nestjs/common';
import type { Role } from '@app/contracts';
import { ApiKeysService } from '../auth/api-keys.service';
import { DataSource } from 'typeorm';
import { operatorActingFor } from '../auth/api-key-auth.guard';
import { OPERATOR_MERCHANT_HEADER, type Principal } from '../auth/principal';
import { admitApiKey } from '../limits/key-gate';
import { RateLimitService } from '../limits/rate-limit.service';
import { extractBearerOrBasic, OperatorCredential } from '../ops/operator-credential';

/**
 * who reads the alerts: the operator (every merchant, or with x-ops-merchant the one it acts for, as on the ops
 * page), or a merchant key with one of the roles (its own merchant)
 */
export type AlertReader = { operator: true; actingFor: string | null } | { operator: false; principal: Principal };

export interface RequestWithReader {
  alertReader?: AlertReader;
  headers: Record<string, string | string[] | undefined>;
}

/** the roles a merchant key needs on the routes this guard protects (read alerts, silence them) */
const READER_ROLES: Role[] = ['ops', 'admin'];

/**
 * For routes the operator and merchants share (GET /alerts, the silences; mark them @Public() for the global
 * API-key guard): the operator token is the operator; otherwise the route needs a valid API key with the ops or
 * admin role, admitted exactly as the global guard admits it (rate limits included). A merchant key can never
 * be the operator: the operator token is not an API key (OperatorCredential).
 */
@Injectable()
export class OperatorOrKeyGuard implements CanActivate {
  constructor(
    private readonly operator: OperatorCredential,
    private readonly keys: ApiKeysService,
    @Optional() @Inject(RateLimitService) private readonly limiter?: RateLimitService | null,
    @Optional() @Inject(DataSource) private readonly dataSource?: DataSource | null,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<RequestWithReader>();
    const raw = req.headers.authorization;
    const token = extractBearerOrBasic(Array.isArray(raw) ? raw[0] : raw);
    if (!token) throw new UnauthorizedException('missing credential: send "Authorization: Bearer <API key or operator token>"');
    if (this.operator.matches(token)) {
      const acting = req.headers[OPERATOR_MERCHANT_HEADER] === undefined ? null : await operatorActingFor(req, this.dataSource);
      req.alertReader = { operator: true, actingFor: acting?.merchantId ?? null };
      return true;
    }
    const result = await admitApiKey(token, this.keys, this.limiter, req);
    if (!result.ok) {
      if (result.status === 401) throw new UnauthorizedException(result.message);
      ctx.switchToHttp().getResponse<{ setHeader(n: string, v: string): void }>().setHeader('Retry-After', String(result.retryAfterSec));
      throw new HttpException({ statusCode: 429, error: 'Too Many Requests', message: result.message }, HttpStatus.TOO_MANY_REQUESTS);
    }
    if (!READER_ROLES.some((r) => result.principal.roles.includes(r))) {
      throw new ForbiddenException(`this action needs one of the roles: ${READER_ROLES.join(', ')} (this key has: ${result.principal.roles.join(', ')})`);
    }
    (req as RequestWithReader & { principal?: Principal }).principal = result.principal;
    req.alertReader = { operator: false, principal: result.principal };
    return true;
  }
}
