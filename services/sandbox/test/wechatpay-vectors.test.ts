import { describe, expect, it } from 'vitest';
import Pay from 'wechatpay-node-v3';
import { decryptAead, encryptAead } from '../src/crypto/aead.ts';
import { signSha256WithRsa, verifySha256WithRsa } from '../src/crypto/rsa-signature.ts';
import { W1, W3 } from './support/wechatpay-vectors.ts';

describe('W1: SHA256withRSA known answer (wechatpay-go)', () => {
  it('signs "source" byte for byte as the official SDK', () => {
    expect(signSha256WithRsa(W1.privateKey, W1.message)).toBe(W1.signature);
  });

  it('verifies the official signature with the published public key and rejects any other message', () => {
    expect(verifySha256WithRsa(W1.publicKey, W1.message, W1.signature)).toBe(true);
    expect(verifySha256WithRsa(W1.publicKey, 'wrong source', W1.signature)).toBe(false);
    expect(verifySha256WithRsa(W1.publicKey, W1.message, 'not base64 at all')).toBe(false);
  });
});

describe('W3: AEAD_AES_256_GCM known answer (wechatpay-java)', () => {
  it('encrypts to the official ciphertext', () => {
    const encrypted = encryptAead(W3.apiv3Key, W3.plaintext, W3.associatedData, W3.nonce);
    expect(encrypted.ciphertext).toBe(W3.ciphertext);
  });

  it('decrypts the official ciphertext', () => {
    const input = { ciphertext: W3.ciphertext, nonce: W3.nonce, associatedData: W3.associatedData };
    expect(decryptAead(W3.apiv3Key, input)).toBe(W3.plaintext);
  });

  it('checks the tag: a wrong AAD or a flipped tag bit fails, where the SDK decipher_gcm does not', () => {
    const tampered = Buffer.from(W3.ciphertext, 'base64');
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    const bad = {
      ciphertext: tampered.toString('base64'),
      nonce: W3.nonce,
      associatedData: W3.associatedData,
    };
    expect(() => decryptAead(W3.apiv3Key, bad)).toThrow();
    expect(() =>
      decryptAead(W3.apiv3Key, { ...bad, ciphertext: W3.ciphertext, associatedData: 'other' }),
    ).toThrow();
    // wechatpay-node-v3 2.2.x skips final(), so its decipher "succeeds" on a forged tag (provider reference §4.5).
    const sdk = Object.create(Pay.prototype) as Pay;
    expect(sdk.decipher_gcm(bad.ciphertext, W3.associatedData, W3.nonce, W3.apiv3Key)).toBe(W3.plaintext);
  });
});
