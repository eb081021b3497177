import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { ApiKeysService } from '../auth/api-keys.service';
import { extractBearerOrBasic, OperatorCredential } from './operator-credential';

/**
 * Routes for the platform operator (mark them @Public() for the API-key guard and @UseGuards(OperatorGuard)):
 * the operator token passes; a merchant's valid API key is 403, anything else 401.
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    private readonly operator: OperatorCredential,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const raw = req.headers.authorization;
    const token = extractBearerOrBasic(Array.isArray(raw) ? raw[0] : raw);
    if (!token) throw new UnauthorizedException('missing operator credential: send "Authorization: Bearer <operator token>"');
    if (this.operator.matches(token)) return true;
    if ((await this.keys.authenticate(token)).ok) throw new ForbiddenException('for the platform operator only (merchant keys see their own work at GET /ops/queues)');
    throw new UnauthorizedException('invalid operator credential');
  }
}
