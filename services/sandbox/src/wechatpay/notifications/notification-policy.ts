import type { NotificationPolicy } from '../../notifications/policy.ts';
import { WECHATPAY_RETRY_SCHEDULE_S } from '../../notifications/policy.ts';
import { findMerchant } from '../merchants/merchant-store.ts';
import { signatureHeaders, wechatpaySigner } from '../wire/response-signature.ts';

/**
 * How WeChat Pay delivers notifications: every attempt carries a fresh Wechatpay-
 * Timestamp/Nonce and signature with the key of the merchant's verification mode (a
 * SIGNTEST probe a deliberately invalid one), and only HTTP 200 or 204 counts as received.
 */
export const wechatpayNotificationPolicy: NotificationPolicy = {
  retryScheduleSeconds: WECHATPAY_RETRY_SCHEDULE_S,
  async render(notification, deps) {
    const merchant = await findMerchant(deps, notification.merchant);
    if (!merchant)
      throw new Error(`notification ${notification.id} names unknown merchant ${notification.merchant}`);
    const headers = signatureHeaders(wechatpaySigner(merchant), notification.body, deps.now(), {
      signtest: notification.signtest,
    });
    return { headers, body: notification.body };
  },
  isAcknowledged: (status) => status === 200 || status === 204,
};
