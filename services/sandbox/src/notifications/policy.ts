import type { Notification, SandboxProvider } from '../db/schema.ts';
import type { SandboxDeps } from '../deps.ts';

/** How one provider sends its notifications: what goes on the wire, what counts as an ack, when to retry. */
export interface NotificationPolicy {
  /** Delays after each failed attempt, in real seconds; its length is the number of retries. */
  readonly retryScheduleSeconds: readonly number[];
  /** Headers and body of this attempt (WeChat Pay signs every attempt afresh). */
  render(
    notification: Notification,
    deps: SandboxDeps,
  ): Promise<{ headers: Record<string, string>; body: string }>;
  isAcknowledged(status: number, body: string): boolean;
}

export type NotificationPolicies = Record<SandboxProvider, NotificationPolicy>;

/** WeChat Pay: 15 s, 15 s, 30 s, 3 m, 10 m, 20 m, 30 m, 30 m, 30 m, 60 m, 3 h, 3 h, 3 h, 6 h, 6 h (24 h 4 m). */
export const WECHATPAY_RETRY_SCHEDULE_S = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
] as const;

/** Alipay: 4 m, 10 m, 10 m, 1 h, 2 h, 6 h, 15 h (about 25 h, 8 notifications). */
export const ALIPAY_RETRY_SCHEDULE_S = [240, 600, 600, 3600, 7200, 21600, 54000] as const;
