// Payments awaiting payment, inserted as createPayment inserts them, and their genuine
// signed "paid" notifications: the input of the notify-ingest and notify-to-webhook
// scenarios (creating payments is the create-payment scenario's subject, not theirs).
import { randomBytes, randomInt } from 'node:crypto';
import { newId } from '@paymux/core';
import { withTenant } from '@paymux/db';
import {
  type ProviderMerchants,
  type SignedNotification,
  signedPaymentNotification,
} from './signed-notifications.ts';
import type { BenchStack, BenchTenant } from './stack.ts';

const DESCRIPTION = '测试商品 bench item';
const PROVIDERS = ['wechatpay', 'alipay'] as const;

export interface Fixture {
  readonly stack: BenchStack;
  readonly tenant: BenchTenant;
  readonly merchants: ProviderMerchants;
}

/**
 * `count` payments awaiting payment, half per provider, inserted as createPayment inserts
 * them (creating payments is the create-payment scenario's subject, not this one's).
 */
export async function insertPayments(
  f: Fixture,
  count: number,
): Promise<Array<{ id: string; provider: 'wechatpay' | 'alipay'; amount: bigint }>> {
  const rows = Array.from({ length: count }, (_, i) => {
    const provider = PROVIDERS[i % 2] as 'wechatpay' | 'alipay';
    return { id: newId('pay'), provider, amount: BigInt(randomInt(1, 1001)) };
  });
  const runId = randomBytes(4).toString('hex');
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await withTenant(f.stack.db, f.tenant.tenantId, (trx) =>
      trx
        .insertInto('payments')
        .values(
          chunk.map((r, j) => ({
            tenant_id: f.tenant.tenantId,
            id: r.id,
            mode: 'test' as const,
            merchant_account_id: f.tenant.accounts[r.provider],
            provider: r.provider,
            channel: r.provider === 'wechatpay' ? 'wechat.native' : 'alipay.qr',
            amount: r.amount,
            currency: 'CNY' as const,
            description: DESCRIPTION,
            merchant_order_id: `notify-bench-${runId}-${i + j}`,
            status: 'requires_payment' as const,
            next_action: null,
            provider_reference: JSON.stringify({}),
            payer_openid: null,
            client_ip: null,
            return_url: null,
            metadata: JSON.stringify({}),
            expires_at: new Date(Date.now() + 7_200_000),
          })),
        )
        .execute(),
    );
  }
  return rows;
}

/** Signs a notification for each payment now (WeChat's timestamp must be within 5 minutes when it lands). */
export function signAll(
  f: Fixture,
  payments: Awaited<ReturnType<typeof insertPayments>>,
): SignedNotification[] {
  return payments.map((p) =>
    signedPaymentNotification(f.merchants, {
      provider: p.provider,
      origin: f.stack.origin,
      merchantAccountId: f.tenant.accounts[p.provider],
      outTradeNo: p.id,
      amount: p.amount,
      description: DESCRIPTION,
    }),
  );
}

export const isAck = (n: SignedNotification, status: number, body: string) =>
  n.provider === 'wechatpay' ? status === 204 && body === '' : status === 200 && body === 'success';
