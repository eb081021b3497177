import { SetMetadata } from '@nestjs/common';
import type { Role } from '@app/contracts';

/**
 * Same metadata key as the gateway's @Roles(): order-sync's HTTP API is internal (the gateway forwards
 * to it after authenticating), but the intended role is recorded on each route.
 */
export const RequiresRole = (...roles: Role[]) => SetMetadata('roles', roles);
