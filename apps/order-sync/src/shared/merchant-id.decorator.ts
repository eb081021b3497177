import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Header the gateway sets on every forwarded request: the authenticated caller's merchant. */
export const MERCHANT_HEADER = 'x-omnisync-merchant-id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller's merchant id. order-sync is internal (only the gateway reaches it); the gateway authenticates
 * the API key and forwards its merchant, so every query is scoped to that merchant's shops.
 */
export const MerchantId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
  const raw = req.headers[MERCHANT_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || !UUID.test(value)) throw new BadRequestException(`${MERCHANT_HEADER} header must be the caller's merchant UUID`);
  return value;
});
