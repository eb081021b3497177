import type { Role } from '@app/contracts';

/** Who is calling: set on the request by ApiKeyAuthGuard, read with @CurrentPrincipal(). */
export interface Principal {
  merchantId: string;
  keyId: string;
  roles: Role[];
}

export interface RequestWithPrincipal {
  principal?: Principal;
}
