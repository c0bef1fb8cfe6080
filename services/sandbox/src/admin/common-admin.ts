import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Notification, SandboxProvider } from '../db/schema.ts';
import type { SandboxDeps } from '../deps.ts';
import { findOrder, refreshExpiry } from '../orders/order-store.ts';
import type { SandboxProviderModule } from '../provider-module.ts';

const faultInput = z
  .object({
    provider: z.enum(['wechatpay', 'alipay']),
    endpoint: z.string().min(1),
    merchant: z.string().min(1).optional(),
    latency_ms: z.number().int().min(0).max(60_000).default(0),
    status: z.number().int().min(100).max(599).optional(),
    body: z.string().max(65_536).optional(),
    count: z.number().int().min(1).optional(),
  })
  .strict();

const adjustmentInput = z
  .object({
    action: z.enum(['add', 'drop', 'alter']),
    ref: z.string().min(1).optional(),
    row: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const bad = (message: string) => ({ code: 'PARAM_ERROR', message });

/** Parses a JSON body with a schema; undefined (after answering 400) when it does not fit. */
async function body<S extends z.ZodType>(c: { req: { json(): Promise<unknown> } }, schema: S) {
  let raw: unknown = {};
  try {
    raw = await c.req.json();
  } catch {
    raw = {};
  }
  return schema.safeParse(raw);
}

/**
 * Admin routes shared by both providers: settle orders (the design's
 * `/_admin/wechatpay/merchants/{mchid}/orders/{no}/pay` and
 * `/_admin/alipay/apps/{app_id}/orders/{no}/pay`, and `…/fail`), inspect orders and their
 * notifications, control notifications (resend, duplicate, delay, withhold, release),
 * inject faults, and adjust bills.
 */
export function commonAdmin(
  deps: SandboxDeps,
  modules: readonly SandboxProviderModule[],
  kick: () => void,
): Hono {
  const app = new Hono();
  const moduleOf = (provider: SandboxProvider) => modules.find((m) => m.provider === provider);
  const routes = [
    ['wechatpay', '/wechatpay/merchants/:merchant/orders/:no'],
    ['alipay', '/alipay/apps/:merchant/orders/:no'],
  ] as const;

  for (const [provider, base] of routes) {
    const orderOf = async (merchant: string, no: string) => {
      const order = await findOrder(deps, provider, merchant, no);
      return order ? await refreshExpiry(deps, order) : undefined;
    };

    app.get(base, async (c) => {
      const order = await orderOf(c.req.param('merchant'), c.req.param('no'));
      if (!order) return c.json({ code: 'ORDER_NOT_EXIST', message: 'No such order.' }, 404);
      const refunds = await deps.db
        .selectFrom('refunds')
        .selectAll()
        .where('provider', '=', provider)
        .where('merchant', '=', order.merchant)
        .where('out_trade_no', '=', order.out_trade_no)
        .orderBy('created_at')
        .execute();
      return c.json({
        ...order,
        amount: Number(order.amount),
        refunded: Number(order.refunded),
        refunds: refunds.map((r) => ({ ...r, amount: Number(r.amount) })),
      });
    });

    for (const outcome of ['pay', 'fail'] as const) {
      app.post(`${base}/${outcome}`, async (c) => {
        const order = await orderOf(c.req.param('merchant'), c.req.param('no'));
        const module = moduleOf(provider);
        if (!order || !module) return c.json({ code: 'ORDER_NOT_EXIST', message: 'No such order.' }, 404);
        const settled = await module.settle(order, outcome);
        if (!settled) {
          return c.json(
            {
              code: 'ORDER_NOT_PAYABLE',
              message: `The order is ${order.status}, not payable.`,
              status: order.status,
            },
            409,
          );
        }
        return c.json({
          status: settled.order.status,
          trade_no: settled.order.trade_no,
          redirect_url: settled.redirectUrl ?? null,
        });
      });
    }

    app.get(`${base}/notifications`, async (c) => {
      const notifications = await deps.db
        .selectFrom('notifications')
        .selectAll()
        .where('provider', '=', provider)
        .where('merchant', '=', c.req.param('merchant'))
        .where('ref', '=', c.req.param('no'))
        .orderBy('created_at')
        .execute();
      const attempts = notifications.length
        ? await deps.db
            .selectFrom('notification_attempts')
            .selectAll()
            .where(
              'notification_id',
              'in',
              notifications.map((n) => n.id),
            )
            .orderBy('attempt')
            .execute()
        : [];
      return c.json({
        data: notifications.map((n) => ({
          ...n,
          attempt_log: attempts.filter((a) => a.notification_id === n.id),
        })),
      });
    });

    app.post(`${base}/withhold_notifications`, async (c) => {
      const parsed = await body(c, z.object({ withhold: z.boolean() }).strict());
      if (!parsed.success) return c.json(bad('body must be {"withhold": true|false}'), 400);
      const merchant = c.req.param('merchant');
      const no = c.req.param('no');
      const updated = await deps.db
        .updateTable('orders')
        .set({ withhold_notifications: parsed.data.withhold })
        .where('provider', '=', provider)
        .where('merchant', '=', merchant)
        .where('out_trade_no', '=', no)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n)
        return c.json({ code: 'ORDER_NOT_EXIST', message: 'No such order.' }, 404);
      if (!parsed.data.withhold) {
        await deps.db
          .updateTable('notifications')
          .set({ status: 'pending', next_attempt_at: deps.now() })
          .where('provider', '=', provider)
          .where('merchant', '=', merchant)
          .where('ref', '=', no)
          .where('status', '=', 'withheld')
          .execute();
        kick();
      }
      return c.json({ withhold: parsed.data.withhold });
    });
  }

  const notificationOr404 = async (id: string) =>
    z.uuid().safeParse(id).success
      ? await deps.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst()
      : undefined;

  app.get('/notifications/:id', async (c) => {
    const n = await notificationOr404(c.req.param('id'));
    if (!n) return c.json({ code: 'NOT_FOUND', message: 'No such notification.' }, 404);
    const attempts = await deps.db
      .selectFrom('notification_attempts')
      .selectAll()
      .where('notification_id', '=', n.id)
      .orderBy('attempt')
      .execute();
    return c.json({ ...n, attempt_log: attempts });
  });

  // Resend and duplicate make new deliveries of the same body (the provider re-notifying).
  const deliverAgain = async (n: Notification): Promise<string> => {
    const id = randomUUID();
    await deps.db
      .insertInto('notifications')
      .values({
        id,
        provider: n.provider,
        merchant: n.merchant,
        kind: n.kind,
        ref: n.ref,
        url: n.url,
        content_type: n.content_type,
        body: n.body,
        status: 'pending',
        next_attempt_at: deps.now(),
        signtest: n.signtest,
        created_at: deps.now(),
      })
      .execute();
    return id;
  };
  app.post('/notifications/:id/duplicate', async (c) => {
    const n = await notificationOr404(c.req.param('id'));
    if (!n) return c.json({ code: 'NOT_FOUND', message: 'No such notification.' }, 404);
    const parsed = await body(c, z.object({ count: z.number().int().min(1).max(50).default(1) }).strict());
    if (!parsed.success) return c.json(bad('body must be {"count": 1..50}'), 400);
    const ids: string[] = [];
    for (let i = 0; i < parsed.data.count; i += 1) ids.push(await deliverAgain(n));
    kick();
    return c.json({ ids }, 201);
  });
  app.post('/notifications/:id/resend', async (c) => {
    const n = await notificationOr404(c.req.param('id'));
    if (!n) return c.json({ code: 'NOT_FOUND', message: 'No such notification.' }, 404);
    const id = await deliverAgain(n);
    kick();
    return c.json({ id }, 201);
  });
  app.post('/notifications/:id/delay', async (c) => {
    const n = await notificationOr404(c.req.param('id'));
    if (!n) return c.json({ code: 'NOT_FOUND', message: 'No such notification.' }, 404);
    const parsed = await body(c, z.object({ seconds: z.number().min(0).max(86_400) }).strict());
    if (!parsed.success) return c.json(bad('body must be {"seconds": 0..86400}'), 400);
    const at = new Date(deps.now().getTime() + parsed.data.seconds * 1000);
    await deps.db.updateTable('notifications').set({ next_attempt_at: at }).where('id', '=', n.id).execute();
    return c.json({ next_attempt_at: at.toISOString() });
  });
  for (const [action, from, to] of [
    ['withhold', 'pending', 'withheld'],
    ['release', 'withheld', 'pending'],
  ] as const) {
    app.post(`/notifications/:id/${action}`, async (c) => {
      const n = await notificationOr404(c.req.param('id'));
      if (!n) return c.json({ code: 'NOT_FOUND', message: 'No such notification.' }, 404);
      await deps.db
        .updateTable('notifications')
        .set({ status: to, next_attempt_at: deps.now() })
        .where('id', '=', n.id)
        .where('status', '=', from)
        .execute();
      if (to === 'pending') kick();
      const after = await notificationOr404(n.id);
      return c.json({ status: after?.status });
    });
  }

  app.get('/faults', async (c) =>
    c.json({ data: await deps.db.selectFrom('faults').selectAll().orderBy('created_at').execute() }),
  );
  app.post('/faults', async (c) => {
    const parsed = await body(c, faultInput);
    if (!parsed.success)
      return c.json(bad(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')), 400);
    const f = parsed.data;
    const row = await deps.db
      .insertInto('faults')
      .values({
        id: randomUUID(),
        provider: f.provider,
        endpoint: f.endpoint,
        merchant: f.merchant ?? null,
        latency_ms: f.latency_ms,
        status: f.status ?? null,
        body: f.body ?? null,
        remaining: f.count ?? null,
        created_at: deps.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return c.json(row, 201);
  });
  app.delete('/faults/:id', async (c) => {
    if (!z.uuid().safeParse(c.req.param('id')).success)
      return c.json({ code: 'NOT_FOUND', message: 'No such fault.' }, 404);
    const deleted = await deps.db.deleteFrom('faults').where('id', '=', c.req.param('id')).executeTakeFirst();
    return deleted.numDeletedRows === 0n
      ? c.json({ code: 'NOT_FOUND', message: 'No such fault.' }, 404)
      : c.body(null, 204);
  });
  app.delete('/faults', async (c) => {
    await deps.db.deleteFrom('faults').execute();
    return c.body(null, 204);
  });

  app.post('/bills/:provider/:merchant/:date/adjustments', async (c) => {
    const provider = z.enum(['wechatpay', 'alipay']).safeParse(c.req.param('provider'));
    const date = c.req.param('date');
    if (!provider.success || !/^\d{4}-\d{2}-\d{2}$/.test(date))
      return c.json(bad('provider or date is invalid'), 400);
    const parsed = await body(c, adjustmentInput);
    if (!parsed.success)
      return c.json(bad(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')), 400);
    if (parsed.data.action !== 'add' && !parsed.data.ref)
      return c.json(bad('ref is required to drop or alter a row'), 400);
    const row = await deps.db
      .insertInto('bill_adjustments')
      .values({
        id: randomUUID(),
        provider: provider.data,
        merchant: c.req.param('merchant'),
        bill_date: date,
        action: parsed.data.action,
        ref: parsed.data.ref ?? null,
        row: JSON.stringify(parsed.data.row),
        created_at: deps.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return c.json(row, 201);
  });

  return app;
}
