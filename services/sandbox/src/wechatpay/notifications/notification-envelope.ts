import { randomUUID } from 'node:crypto';
import { encryptAead } from '../../crypto/aead.ts';
import { rfc3339Shanghai } from '../time.ts';

export type WechatpayEventType =
  | 'TRANSACTION.SUCCESS'
  | 'REFUND.SUCCESS'
  | 'REFUND.ABNORMAL'
  | 'REFUND.CLOSED';

const SUMMARIES: Record<WechatpayEventType, string> = {
  'TRANSACTION.SUCCESS': '支付成功',
  'REFUND.SUCCESS': '退款成功',
  'REFUND.ABNORMAL': '退款异常',
  'REFUND.CLOSED': '退款关闭',
};

/**
 * A notification body: the resource AEAD_AES_256_GCM-encrypted with the merchant's
 * APIv3 key, associated_data naming its type ("transaction" / "refund"), a 12-character
 * nonce. The body is fixed once queued; each delivery attempt is signed afresh.
 */
export function notificationEnvelope(
  apiv3Key: string,
  eventType: WechatpayEventType,
  resource: Record<string, unknown>,
  now: Date,
): string {
  const originalType = eventType.startsWith('REFUND.') ? 'refund' : 'transaction';
  const encrypted = encryptAead(apiv3Key, JSON.stringify(resource), originalType);
  return JSON.stringify({
    id: randomUUID(),
    create_time: rfc3339Shanghai(now),
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: SUMMARIES[eventType],
    resource: {
      original_type: originalType,
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: encrypted.ciphertext,
      associated_data: encrypted.associatedData,
      nonce: encrypted.nonce,
    },
  });
}
