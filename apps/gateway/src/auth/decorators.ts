import { type ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Role } from '@app/contracts';
import type { Principal, RequestWithPrincipal } from './principal';

/** Same key as @app/observability's PublicRoute(), so health/metrics routes there are honoured too. */
export const IS_PUBLIC_KEY = 'isPublic';
export const ROLES_KEY = 'roles';
export const OPERATOR_MAY_ACT_KEY = 'operatorMayActFor';

/** The route needs no API key (health, metrics, platform webhooks, docs). */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

/** The key must carry at least one of these roles (403 otherwise). Without @Roles any valid key passes. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** The authenticated caller. Undefined only on @Public() routes. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal | undefined => {
  return ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal;
});

/**
 * The platform operator's credential may call this route for a merchant it names in `x-ops-merchant`, with the
 * `ops` role (docs/adr/0009-ops-page.md): the ops page's read routes and exception actions, nothing that mints
 * keys, changes shops or reads buyer data.
 */
export const OperatorMayActFor = () => SetMetadata(OPERATOR_MAY_ACT_KEY, true);
