import type { Role } from '@app/contracts';

/** Who is calling: set on the request by ApiKeyAuthGuard, read with @CurrentPrincipal(). */
export interface Principal {
  merchantId: string;
  /** the API key's id; for the operator acting for a merchant (OPERATOR_MERCHANT_HEADER), `operator` */
  keyId: string;
  roles: Role[];
  /** true: the platform operator's credential, acting for `merchantId` on an @OperatorMayActFor() route */
  operator?: true;
}

/** the merchant the operator acts for on the ops page's routes (a merchant key never uses it) */
export const OPERATOR_MERCHANT_HEADER = 'x-ops-merchant';

export interface RequestWithPrincipal {
  principal?: Principal;
}
