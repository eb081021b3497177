import type { CanonicalOrder } from '@app/contracts';
import type { ErpInterception, ErpShipmentNotice } from '../erp-connector.port';

/** Wire format of the generic-http ERP protocol (documented in libs/erp/README.md). */
export interface GenericOrdersRequest {
  orders: Array<{ idempotencyKey: string; orderId: string; version: number; order: CanonicalOrder }>;
}

export interface GenericErrorBody {
  code: string;
  message: string;
  retryable: boolean;
}

export type GenericOrderResult =
  | { idempotencyKey: string; erpOrderId: string; duplicate: boolean; /** ISO time the ERP first accepted the order (optional) */ acceptedAt?: string }
  | { idempotencyKey: string; error: GenericErrorBody };

export interface GenericOrdersResponse {
  results: GenericOrderResult[];
}

export type GenericInterceptRequest = ErpInterception;
export type GenericInterceptResponse = { ok: true; duplicate?: boolean } | { ok?: false; error: GenericErrorBody };

export type GenericShipmentNoticeRequest = ErpShipmentNotice & { idempotencyKey: string };
