import { ALIPAY_RETRY_SCHEDULE_S, type NotificationPolicy } from '../../notifications/policy.ts';

export const ALIPAY_NOTIFY_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

/**
 * Alipay posts the same signed form on every attempt and stops only when the merchant
 * answers the plain text `success`: `SUCCESS`, `ok`, JSON or an empty 200 are failures.
 */
export const alipayNotificationPolicy: NotificationPolicy = {
  retryScheduleSeconds: ALIPAY_RETRY_SCHEDULE_S,
  render: async (notification) => ({ headers: {}, body: notification.body }),
  isAcknowledged: (status, body) => status >= 200 && status < 300 && body === 'success',
};
