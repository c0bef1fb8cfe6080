import { sql } from 'kysely';
import type { Fault, SandboxProvider } from '../db/schema.ts';
import type { SandboxDeps } from '../deps.ts';

/**
 * Takes the oldest active fault matching an endpoint (and merchant, when the fault names
 * one), decrementing its remaining count atomically, and sleeps its latency. Returns the
 * fault when it also asks for an error response, which the caller renders in the
 * provider's own error format.
 *
 * Endpoint names: WeChat Pay `transactions.native|jsapi|h5|app`, `transactions.query`,
 * `transactions.close`, `refunds.create`, `refunds.query`, `bill.tradebill`,
 * `bill.download`, `certificates`; Alipay the gateway method names (`alipay.trade.query`, …)
 * for both v2 and v3 calls.
 */
export async function applyFault(
  deps: SandboxDeps,
  provider: SandboxProvider,
  endpoint: string,
  merchant: string | undefined,
): Promise<Fault | undefined> {
  const fault = await deps.db.transaction().execute(async (trx) => {
    const candidate = await trx
      .selectFrom('faults')
      .selectAll()
      .where('provider', '=', provider)
      .where('endpoint', '=', endpoint)
      .where((eb) => eb.or([eb('merchant', 'is', null), eb('merchant', '=', merchant ?? '')]))
      .where((eb) => eb.or([eb('remaining', 'is', null), eb('remaining', '>', 0)]))
      .orderBy('created_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!candidate) return undefined;
    if (candidate.remaining !== null) {
      await trx
        .updateTable('faults')
        .set({ remaining: sql<number>`remaining - 1` })
        .where('id', '=', candidate.id)
        .execute();
    }
    return candidate;
  });
  if (!fault) return undefined;
  if (fault.latency_ms > 0) await new Promise((resolve) => setTimeout(resolve, fault.latency_ms));
  return fault.status === null ? undefined : fault;
}
