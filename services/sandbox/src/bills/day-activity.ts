import { sql } from 'kysely';
import type { Order, Refund, SandboxProvider } from '../db/schema.ts';
import type { SandboxDeps } from '../deps.ts';

export interface BillAdjustment {
  readonly action: 'add' | 'drop' | 'alter';
  /** The out_trade_no (or out_refund_no) a 'drop' or 'alter' applies to. */
  readonly ref: string | null;
  /** Column overrides for 'alter', or the whole row for 'add', in the bill's own column names. */
  readonly row: Record<string, unknown>;
}

export interface DayActivity {
  /** Orders paid on the day (Asia/Shanghai). */
  readonly trades: Order[];
  /** Refunds that succeeded on the day, with their order. */
  readonly refunds: Array<{ refund: Refund; order: Order }>;
  readonly adjustments: BillAdjustment[];
}

/** YYYY-MM-DD in Asia/Shanghai (UTC+8, no daylight saving) of an instant. */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai, the providers' bill and API time format. */
export function shanghaiDateTime(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** What a merchant's bill for `date` lists: the day's trades and refunds, plus admin adjustments. */
export async function dayActivity(
  deps: SandboxDeps,
  provider: SandboxProvider,
  merchant: string,
  date: string,
): Promise<DayActivity> {
  const dayStart = sql<Date>`(${date}::date::timestamp at time zone 'Asia/Shanghai')`;
  const dayEnd = sql<Date>`((${date}::date + 1)::timestamp at time zone 'Asia/Shanghai')`;
  const trades = await deps.db
    .selectFrom('orders')
    .selectAll()
    .where('provider', '=', provider)
    .where('merchant', '=', merchant)
    .where('paid_at', '>=', dayStart)
    .where('paid_at', '<', dayEnd)
    .orderBy('paid_at')
    .execute();
  const refundRows = await deps.db
    .selectFrom('refunds')
    .innerJoin('orders', (join) =>
      join
        .onRef('orders.provider', '=', 'refunds.provider')
        .onRef('orders.merchant', '=', 'refunds.merchant')
        .onRef('orders.out_trade_no', '=', 'refunds.out_trade_no'),
    )
    .selectAll('refunds')
    .select((eb) => eb.fn.toJson('orders').as('order'))
    .where('refunds.provider', '=', provider)
    .where('refunds.merchant', '=', merchant)
    .where('refunds.status', '=', 'success')
    .where('refunds.succeeded_at', '>=', dayStart)
    .where('refunds.succeeded_at', '<', dayEnd)
    .orderBy('refunds.succeeded_at')
    .execute();
  const refunds = refundRows.map(({ order, ...refund }) => {
    const o = order as unknown as Record<string, unknown>;
    return {
      refund: refund as Refund,
      order: {
        ...(o as unknown as Order),
        amount: BigInt(String(o.amount)),
        refunded: BigInt(String(o.refunded)),
        paid_at: o.paid_at ? new Date(String(o.paid_at)) : null,
        time_expire: new Date(String(o.time_expire)),
        created_at: new Date(String(o.created_at)),
        closed_at: o.closed_at ? new Date(String(o.closed_at)) : null,
      },
    };
  });
  const adjustments = await deps.db
    .selectFrom('bill_adjustments')
    .select(['action', 'ref', 'row'])
    .where('provider', '=', provider)
    .where('merchant', '=', merchant)
    .where('bill_date', '=', date)
    .orderBy('created_at')
    .execute();
  return { trades, refunds, adjustments };
}
