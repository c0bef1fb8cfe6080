import { createDecipheriv } from 'node:crypto';

const TAG_BYTES = 16;

/**
 * AEAD_AES_256_GCM decryption of a notification resource with the APIv3 key, checking the
 * authentication tag. (The SDK's `decipher_gcm` skips `final()`, so a wrong key or a
 * tampered ciphertext would "decrypt"; see the provider reference.)
 */
export function decryptResource(
  apiv3Key: string,
  resource: { ciphertext: string; nonce: string; associated_data?: string | undefined },
): string {
  const body = Buffer.from(resource.ciphertext, 'base64');
  if (body.length <= TAG_BYTES) throw new Error('ciphertext too short');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    Buffer.from(apiv3Key, 'utf8'),
    Buffer.from(resource.nonce, 'utf8'),
  );
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(body.subarray(0, body.length - TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}
