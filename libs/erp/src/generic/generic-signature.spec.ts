import { signGenericRequest, verifyGenericSignature } from './generic-signature';

// The fixed vector published in libs/erp/README.md (computed with Node crypto and Python hmac).
const VECTOR = {
  secret: 'whsec_omnisync_example_0001',
  timestamp: '1717000000',
  body: '{"orders":[{"idempotencyKey":"0b6f3c2e-6f1a-4c7e-9a51-2d0c8e4f7a10-v1","orderId":"0b6f3c2e-6f1a-4c7e-9a51-2d0c8e4f7a10","version":1}]}',
  signature: 'sha256=0e9590ae6db8555f903788c033b94a91ae1758fcc4a75fda15d8a74fc3165e73',
};

describe('generic-http signature', () => {
  it('matches the published vector', () => {
    expect(signGenericRequest(VECTOR.secret, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(verifyGenericSignature(VECTOR.secret, VECTOR.timestamp, VECTOR.body, VECTOR.signature, 1717000000)).toBe(true);
    expect(verifyGenericSignature(VECTOR.secret, VECTOR.timestamp, Buffer.from(VECTOR.body), VECTOR.signature, 1717000100)).toBe(true);
  });

  it('rejects a changed body, secret or timestamp', () => {
    const now = 1717000000;
    expect(verifyGenericSignature(VECTOR.secret, VECTOR.timestamp, VECTOR.body.replace('"version":1', '"version":2'), VECTOR.signature, now)).toBe(false);
    expect(verifyGenericSignature('other-secret', VECTOR.timestamp, VECTOR.body, VECTOR.signature, now)).toBe(false);
    expect(verifyGenericSignature(VECTOR.secret, '1717000001', VECTOR.body, VECTOR.signature, now)).toBe(false);
  });

  it('rejects timestamps more than 300 s away, and malformed headers', () => {
    expect(verifyGenericSignature(VECTOR.secret, VECTOR.timestamp, VECTOR.body, VECTOR.signature, 1717000300)).toBe(true);
    expect(verifyGenericSignature(VECTOR.secret, VECTOR.timestamp, VECTOR.body, VECTOR.signature, 1717000301)).toBe(false);
    expect(verifyGenericSignature(VECTOR.secret, VECTOR.timestamp, VECTOR.body, VECTOR.signature, 1716999699)).toBe(false);
    expect(verifyGenericSignature(VECTOR.secret, VECTOR.timestamp, VECTOR.body, VECTOR.signature.toUpperCase(), 1717000000)).toBe(false);
    expect(verifyGenericSignature(VECTOR.secret, VECTOR.timestamp, VECTOR.body, VECTOR.signature.slice(7), 1717000000)).toBe(false);
    expect(verifyGenericSignature(VECTOR.secret, undefined, VECTOR.body, VECTOR.signature, 1717000000)).toBe(false);
    expect(verifyGenericSignature(VECTOR.secret, 'abc', VECTOR.body, VECTOR.signature, 1717000000)).toBe(false);
  });
});
