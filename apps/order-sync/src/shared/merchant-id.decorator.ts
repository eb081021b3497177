import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { MERCHANT_HEADER, type RequestWithServiceCaller } from '@app/service-auth';

/** Header the gateway sets (and signs) on every forwarded request: the authenticated caller's merchant. */
export { MERCHANT_HEADER };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller's merchant id. order-sync accepts only calls the gateway signed (ServiceSignatureGuard, global in
 * the app): the merchant is the verified one. The header fallback serves the feature-module tests, which mount
 * the controllers without the app's guard; in the app every request reaching a route carries the signed header.
 */
export const MerchantId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<RequestWithServiceCaller>();
  if (req.serviceCaller) return req.serviceCaller.merchantId;
  const raw = req.headers[MERCHANT_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || !UUID.test(value)) throw new BadRequestException(`${MERCHANT_HEADER} header must be the caller's merchant UUID`);
  return value;
});
