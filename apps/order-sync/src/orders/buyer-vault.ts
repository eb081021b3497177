import { Injectable } from '@nestjs/common';
import { parse as parseUuid, v5 as uuidv5 } from 'uuid';
import type { CanonicalOrder } from '@app/contracts';
import { SecretBox } from '@app/persistence';

export type Buyer = CanonicalOrder['buyer'];

/** Associated data binding a buyer blob to its order row: a blob copied to another order does not open. */
export function buyerAad(orderId: string): string {
  return `order_sync.orders/${orderId}/buyer`;
}

/** orders whose last blob is kept for comparing the next version's buyer (a few MB) */
const RECENT_MAX = 20_000;

/** namespace of order row ids (uuid v5 of shop id + platform order id); a fixed value, never change it (parsed once) */
const ORDER_ID_NAMESPACE = parseUuid('3f1d0c64-7d0e-4f55-9a55-8d6b0f0e2b61');

/**
 * The id a new order row gets: derived from its key (shop, platform order id), so two transactions inserting
 * the same new order seal its buyer under the same id. Rows stored before this rule keep their random ids.
 */
export function orderRowId(shopId: string, platformOrderId: string): string {
  return uuidv5(`${shopId}/${platformOrderId}`, ORDER_ID_NAMESPACE);
}

/**
 * Buyer name, phone and address at rest: one AES-256-GCM blob per order (SecretBox, SECRETS_KEY), bound to
 * the order row id. The same blob goes into the order row and its outbox payloads (`buyerSealed`), so an order
 * costs one seal. Opened only where the ERP gets the order: delivery and GET /erp/orders.
 */
@Injectable()
export class BuyerVault {
  /**
   * The blobs this process sealed or opened last, by order id (bounded, oldest dropped first; process memory
   * only): the next version of an order usually comes through the same worker, and comparing its buyer with
   * the stored one then needs no decryption. Written by hand: a Map in insertion order is the whole LRU.
   */
  private readonly recent = new Map<string, { blob: Buffer; text: string }>();

  constructor(private readonly box: SecretBox) {}

  seal(orderId: string, buyer: Buyer): Buffer {
    const text = JSON.stringify(buyer);
    const blob = this.box.seal(text, buyerAad(orderId));
    this.remember(orderId, blob, text);
    return blob;
  }

  /** the plaintext JSON (for comparing with a candidate's without parsing) */
  openText(orderId: string, blob: Buffer): string {
    const known = this.recent.get(orderId);
    if (known && known.blob.equals(blob)) return known.text;
    const text = this.box.open(blob, buyerAad(orderId)).toString('utf8');
    this.remember(orderId, blob, text);
    return text;
  }

  private remember(orderId: string, blob: Buffer, text: string): void {
    this.recent.delete(orderId);
    this.recent.set(orderId, { blob, text });
    if (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.keys().next().value as string);
  }

  open(orderId: string, blob: Buffer): Buyer {
    return JSON.parse(this.openText(orderId, blob)) as Buyer;
  }

  /** an outbox payload's buyer (base64 of the row's blob) */
  openSealed(orderId: string, sealed: string): Buyer {
    return this.open(orderId, Buffer.from(sealed, 'base64'));
  }
}

/** An outbox row's payload: the canonical order as of its version, the buyer sealed (see BuyerVault). */
export type OutboxPayload = Omit<CanonicalOrder, 'buyer'> & { buyerSealed: string };

export function toOutboxPayload(order: CanonicalOrder, sealed: Buffer): OutboxPayload {
  const { buyer: _buyer, ...rest } = order;
  return { ...rest, buyerSealed: sealed.toString('base64') };
}

const NO_BUYER: Buyer = { nickMasked: null, receiverMasked: null, phoneMasked: null, addressMasked: null };

/** the order the ERP gets; a payload without a sealed buyer (none was given) gets an empty one */
export function fromOutboxPayload(vault: BuyerVault, orderId: string, p: OutboxPayload): CanonicalOrder {
  const { buyerSealed, ...rest } = p;
  return { ...rest, buyer: typeof buyerSealed === 'string' ? vault.openSealed(orderId, buyerSealed) : { ...NO_BUYER } };
}
