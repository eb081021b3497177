import { SecretBox, SecretBoxError } from '@app/persistence';
import { BuyerVault, fromOutboxPayload, orderRowId, toOutboxPayload } from './buyer-vault';
import { buildOrder } from '../../test/fakes';

describe(BuyerVault.name, () => {
  const key = '0f'.repeat(32);
  const buyer = { nickMasked: 'Canary Nick', receiverMasked: 'Canary Receiver', phoneMasked: '13912345678', addressMasked: 'Canary Road 1' };

  it('seals the buyer as one blob bound to the order id: no plaintext, and it opens only under that id', () => {
    const sut = new BuyerVault(SecretBox.fromConfig(key));
    const blob = sut.seal('order-1', buyer);
    expect(blob.toString('latin1')).not.toMatch(/Canary|13912345678/);
    // a fresh vault (no memory of the blob) opens it with the key and the id only
    const other = new BuyerVault(SecretBox.fromConfig(key));
    expect(other.open('order-1', blob)).toEqual(buyer);
    expect(() => other.open('order-2', blob)).toThrow(SecretBoxError);
  });

  it('compares a known blob without decrypting, and still decrypts another blob of the same order', () => {
    const sut = new BuyerVault(SecretBox.fromConfig(key));
    const first = sut.seal('order-1', buyer);
    expect(sut.openText('order-1', first)).toBe(JSON.stringify(buyer));
    const moved = { ...buyer, addressMasked: 'Other Road 2' };
    const second = new BuyerVault(SecretBox.fromConfig(key)).seal('order-1', moved);
    expect(sut.openText('order-1', second)).toBe(JSON.stringify(moved));
    // a tampered blob is not taken for the remembered one
    const tampered = Buffer.from(second);
    tampered[tampered.length - 1] ^= 1;
    expect(() => sut.openText('order-1', tampered)).toThrow(SecretBoxError);
  });

  it('carries the same blob in the outbox payload and gives the ERP the buyer back', () => {
    const sut = new BuyerVault(SecretBox.fromConfig(key));
    const order = { ...buildOrder({ shopId: 's1', id: 'P1', status: 'paid', updatedAt: new Date().toISOString() }), buyer };
    const id = orderRowId('s1', 'P1');
    const payload = toOutboxPayload(order, sut.seal(id, buyer));
    expect(JSON.stringify(payload)).not.toMatch(/Canary|13912345678|"buyer"/);
    expect(fromOutboxPayload(new BuyerVault(SecretBox.fromConfig(key)), id, payload)).toEqual(order);
  });

  it('derives new order row ids from (shop, platform order id)', () => {
    expect(orderRowId('s1', 'P1')).toBe(orderRowId('s1', 'P1'));
    expect(orderRowId('s1', 'P1')).not.toBe(orderRowId('s2', 'P1'));
    expect(orderRowId('s1', 'P1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
