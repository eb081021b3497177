import { randomUUID } from 'node:crypto';
import type { CanonicalOrder } from '@app/contracts';
import type { ErpOrderEnvelope } from './erp-connector.port';
import type { ErpBreakerTuning, ErpConnectorOptions } from './erp-options';
import type { AxiosAdapter } from 'axios';
import type { OutboundPolicy } from '@app/net';
import { validateErpUrl } from './erp-url';

export const ERP_CONNECTION_KINDS = ['generic-http', 'jushuitan', 'pull'] as const;
/** `pull`: nothing is pushed; the ERP pulls GET /erp/orders and acks. */
export type ErpConnectionKind = (typeof ERP_CONNECTION_KINDS)[number];

/** A merchant's ERP connection as stored (core.erp_connections), secrets decrypted. */
export interface ErpConnectionSettings {
  connector: ErpConnectionKind;
  baseUrl: string | null;
  appKey: string | null;
  shopIdMap: Record<string, string | number> | null;
  batchSize: number;
  timeoutMs: number;
  secrets: { secret?: string; appSecret?: string; accessToken?: string };
}

/** A stored connection that cannot be turned into a connector: `field` names what is missing or wrong. */
export class ErpConnectionInvalidError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'ErpConnectionInvalidError';
  }
}

/**
 * Connector options from a merchant's connection (null for `pull`: nothing to push). The existing
 * connectors do the protocol work; this only maps fields. Throws ErpConnectionInvalidError.
 */
export function erpOptionsFromConnection(
  c: ErpConnectionSettings,
  extra: {
    adapter?: AxiosAdapter;
    breaker?: ErpBreakerTuning;
    outbound?: OutboundPolicy;
    maxResponseBytes?: number;
    /** the deployment's stretch for a slow ERP (the connection's timeoutMs is the limit while it is fast) */
    timeoutMaxMs?: number;
    maxSockets?: number;
  } = {},
): ErpConnectorOptions | null {
  if (c.connector === 'pull') return null;
  const urlProblem = validateErpUrl(c.baseUrl);
  if (urlProblem !== null) throw new ErpConnectionInvalidError('baseUrl', urlProblem);
  const common = { baseUrl: c.baseUrl as string, timeoutMs: c.timeoutMs, maxBatch: c.batchSize, ...extra };
  if (c.connector === 'generic-http') {
    if (!c.secrets.secret) throw new ErpConnectionInvalidError('secret', 'is required for generic-http');
    return { ...common, connector: 'generic-http', secret: c.secrets.secret };
  }
  if (!c.appKey) throw new ErpConnectionInvalidError('appKey', 'is required for jushuitan');
  if (!c.secrets.appSecret) throw new ErpConnectionInvalidError('appSecret', 'is required for jushuitan');
  if (!c.secrets.accessToken) throw new ErpConnectionInvalidError('accessToken', 'is required for jushuitan');
  return {
    ...common,
    connector: 'jushuitan',
    appKey: c.appKey,
    appSecret: c.secrets.appSecret,
    accessToken: c.secrets.accessToken,
    ...(c.shopIdMap ? { shopIdMap: c.shopIdMap } : {}),
  };
}

/** Marks the sample order of a test-send: ERPs can recognise (and drop) `platformOrderId` with this prefix. */
export const ERP_TEST_ORDER_PREFIX = 'omnisync-test-';

/** The made-up order a connection test sends: a fresh id each time, obviously fake buyer data. */
export function erpTestEnvelope(shopId: string, now = new Date()): ErpOrderEnvelope {
  const orderId = randomUUID();
  const at = now.toISOString();
  const order: CanonicalOrder = {
    platform: 'douyin',
    shopId,
    platformOrderId: `${ERP_TEST_ORDER_PREFIX}${now.getTime()}`,
    status: 'paid',
    platformStatus: '2',
    createdAt: at,
    paidAt: at,
    updatedAt: at,
    cashOnDelivery: false,
    totalFen: 100,
    paidFen: 100,
    shippingFen: 0,
    discountFen: 0,
    buyer: { nickMasked: 't***t', receiverMasked: '测*', phoneMasked: '100****0000', addressMasked: 'test****' },
    items: [
      {
        lineId: `${ERP_TEST_ORDER_PREFIX}line-1`,
        platformProductId: `${ERP_TEST_ORDER_PREFIX}product`,
        platformSkuId: `${ERP_TEST_ORDER_PREFIX}sku`,
        erpSkuCode: 'OMNISYNC-TEST-SKU',
        title: 'omnisync connection test',
        quantity: 1,
        unitPriceFen: 100,
        paidFen: 100,
        discountFen: 0,
      },
    ],
    refundStatus: 'none',
  };
  return { orderId, version: 1, idempotencyKey: `${orderId}-v1`, order };
}
