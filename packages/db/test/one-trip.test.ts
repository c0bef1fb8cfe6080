import { Socket } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inSystemOneTrip, inTenantOneTrip, ownerKysely } from '../src/index.ts';
import { MAX_STATEMENTS_PER_BATCH } from '../src/one-trip-batch.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

// One statement as a whole transaction in one round trip (pg's pipeline mode): BEGIN with
// its preamble, the statement and COMMIT written together. Against real PostgreSQL.

const A = 'tnt_01aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'tnt_01bbbbbbbbbbbbbbbbbbbbbbbb';
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.owner
    .insertInto('tenants')
    .values([A, B].map((id) => ({ id, name: id })))
    .execute();
});
afterAll(() => tdb.close());

let ids = 0;
const auditId = () => `aud_01${String(++ids).padStart(24, '0')}`;

/** Inserts an audit row for `tenant` and returns it with its transaction's context. */
const insertAudit = (tenant: string, id: string) => sql<{
  id: string;
  xmin: string;
  xact: string;
  role: string;
  tenant: string;
}>`
  with row as (
    insert into audit_log (tenant_id, id, actor_type, action, target_type, target_id)
    values (${tenant}, ${id}, 'system', 'one-trip', 'tenant', ${tenant})
    returning id, xmin::text
  )
  select row.*, pg_current_xact_id()::text as xact, current_user as role,
    current_setting('app.tenant_id') as tenant
  from row
`;

async function auditRows(id: string) {
  return await tdb.owner.selectFrom('audit_log').select(['tenant_id', 'id']).where('id', '=', id).execute();
}

/** Socket writes made while `fn` runs (pg corks the messages of one trip into one). */
async function socketWrites<T>(fn: () => Promise<T>): Promise<{ result: T; writes: number }> {
  const write = vi.spyOn(Socket.prototype, '_write');
  const writev = vi.spyOn(Socket.prototype, '_writev');
  try {
    const result = await fn();
    return { result, writes: write.mock.calls.length + writev.mock.calls.length };
  } finally {
    write.mockRestore();
    writev.mockRestore();
  }
}

describe('inTenantOneTrip', () => {
  it('runs the statement in one committed transaction, as the tenant, in one write', async () => {
    await inTenantOneTrip(tdb.db, A, sql`select 1`); // a pooled connection exists and is warm
    const id = auditId();
    const { result, writes } = await socketWrites(() => inTenantOneTrip(tdb.db, A, insertAudit(A, id)));
    expect(writes).toBe(1);
    expect(result).toHaveLength(1);
    const [row] = result;
    expect(row).toMatchObject({ id, role: 'paymux_app', tenant: A });
    // Written by the statement's own transaction, which committed.
    expect(row?.xmin).toBe(row?.xact);
    expect(await auditRows(id)).toEqual([{ tenant_id: A, id }]);
  });

  it('applies row-level security: another tenant’s rows cannot be written or read', async () => {
    const id = auditId();
    await expect(inTenantOneTrip(tdb.db, A, insertAudit(B, id))).rejects.toMatchObject({ code: '42501' });
    expect(await auditRows(id)).toEqual([]);
    const other = auditId();
    await inTenantOneTrip(tdb.db, B, insertAudit(B, other));
    const seen = await inTenantOneTrip(tdb.db, A, sql`select id from audit_log where id = ${other}`);
    expect(seen).toEqual([]);
  });

  it('rolls everything back when the statement fails, and leaves the connection idle', async () => {
    const id = auditId();
    await inTenantOneTrip(tdb.db, A, insertAudit(A, id));
    const again = auditId();
    // The first row of this statement is new, the second repeats a key: the whole statement fails.
    await expect(
      inTenantOneTrip(
        tdb.db,
        A,
        sql`
          insert into audit_log (tenant_id, id, actor_type, action, target_type, target_id)
          values (${A}, ${again}, 'system', 'x', 'x', 'x'), (${A}, ${id}, 'system', 'x', 'x', 'x')
        `,
      ),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await auditRows(again)).toEqual([]);
    // Every pooled connection is usable and outside any transaction afterwards.
    const states = await Promise.all(
      Array.from({ length: 4 }, () =>
        inTenantOneTrip(
          tdb.db,
          A,
          sql<{ tenant: string }>`select current_setting('app.tenant_id') as tenant`,
        ),
      ),
    );
    for (const rows of states) expect(rows).toEqual([{ tenant: A }]);
    const outside = await sql<{ tenant: string | null }>`
      select nullif(current_setting('app.tenant_id', true), '') as tenant
    `.execute(tdb.db);
    expect(outside.rows).toEqual([{ tenant: null }]);
  });

  it('refuses a malformed tenant id before sending anything', async () => {
    await expect(inTenantOneTrip(tdb.db, "x'; drop table tenants; --", sql`select 1`)).rejects.toThrow(
      /malformed tenant id/,
    );
  });

  it('runs through a plain transaction on a Kysely instance that is not an app pool', async () => {
    const owner = ownerKysely(tdb.url, 1);
    try {
      const rows = await inTenantOneTrip(
        owner,
        A,
        sql<{ tenant: string }>`select current_setting('app.tenant_id') as tenant`,
      );
      expect(rows).toEqual([{ tenant: A }]);
    } finally {
      await owner.destroy();
    }
  });
});

describe('inTenantOneTrip, group commit', () => {
  it('runs one tenant’s statements of the same turn as one transaction, in one write', async () => {
    await inTenantOneTrip(tdb.db, A, sql`select 1`);
    const ids = Array.from({ length: 5 }, auditId);
    const { result, writes } = await socketWrites(() =>
      Promise.all(ids.map((id) => inTenantOneTrip(tdb.db, A, insertAudit(A, id)))),
    );
    expect(writes).toBe(1);
    // Each caller gets its own statement's rows; all were written by one committed transaction.
    expect(result.map((rows) => rows.map((r) => r.id))).toEqual(ids.map((id) => [id]));
    const xacts = new Set(result.map((rows) => rows[0]?.xact));
    expect(xacts.size).toBe(1);
    for (const rows of result) expect(rows[0]).toMatchObject({ role: 'paymux_app', tenant: A });
    for (const rows of result) expect(rows[0]?.xmin).toBe(rows[0]?.xact);
    for (const id of ids) expect(await auditRows(id)).toEqual([{ tenant_id: A, id }]);
  });

  it('never puts two tenants in one transaction', async () => {
    const [a, b] = await Promise.all([
      inTenantOneTrip(tdb.db, A, insertAudit(A, auditId())),
      inTenantOneTrip(tdb.db, B, insertAudit(B, auditId())),
    ]);
    expect(a?.[0]?.tenant).toBe(A);
    expect(b?.[0]?.tenant).toBe(B);
    expect(a?.[0]?.xact).not.toBe(b?.[0]?.xact);
  });

  it('a statement that fails fails alone: the others are written, each in its own transaction', async () => {
    const taken = auditId();
    await inTenantOneTrip(tdb.db, A, insertAudit(A, taken));
    const [first, duplicate, otherTenant, last] = [auditId(), auditId(), auditId(), auditId()];
    const settled = await Promise.allSettled([
      inTenantOneTrip(tdb.db, A, insertAudit(A, first)),
      inTenantOneTrip(
        tdb.db,
        A,
        sql`
          insert into audit_log (tenant_id, id, actor_type, action, target_type, target_id)
          values (${A}, ${duplicate}, 'system', 'x', 'x', 'x'), (${A}, ${taken}, 'system', 'x', 'x', 'x')
        `,
      ),
      // Row-level security refuses another tenant's row inside A's batch.
      inTenantOneTrip(tdb.db, A, insertAudit(B, otherTenant)),
      inTenantOneTrip(tdb.db, A, insertAudit(A, last)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(settled[1]).toMatchObject({ reason: { code: '23505' } });
    expect(settled[2]).toMatchObject({ reason: { code: '42501' } });
    expect(await auditRows(first)).toEqual([{ tenant_id: A, id: first }]);
    expect(await auditRows(last)).toEqual([{ tenant_id: A, id: last }]);
    expect(await auditRows(duplicate)).toEqual([]);
    expect(await auditRows(otherTenant)).toEqual([]);
    const [okFirst, okLast] = [settled[0], settled[3]] as PromiseFulfilledResult<
      { xact: string; xmin: string }[]
    >[];
    // Run again alone after the batch rolled back: two transactions, not one.
    expect(okFirst?.value[0]?.xact).not.toBe(okLast?.value[0]?.xact);
    expect(okFirst?.value[0]?.xmin).toBe(okFirst?.value[0]?.xact);
  });

  it('a batch whose connection is lost fails every statement and runs none again', async () => {
    // The connection drops right after the batch is written: the commit may or may not have
    // happened, so running any statement again could write it twice. (pg also emits 'error'
    // on the checked-out client; unhandled, that would crash the process, and vitest fails
    // the run on it.)
    const original = pg.Client.prototype.query;
    let armed = true;
    let backend: number | undefined;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client & { connection?: { stream?: Socket }; processID?: number },
      ...args: unknown[]
    ) {
      const result = (original as (...a: unknown[]) => unknown).apply(this, args);
      if (armed && args[0] === 'commit') {
        armed = false;
        backend = this.processID;
        const stream = this.connection?.stream;
        // After the batch's write (the uncork that follows this call), before any answer
        // can be read: no I/O happens between the two.
        queueMicrotask(() => stream?.destroy());
      }
      return result as never;
    });
    const ids = Array.from({ length: 3 }, auditId);
    let settled: PromiseSettledResult<unknown>[];
    try {
      settled = await Promise.allSettled(ids.map((id) => inTenantOneTrip(tdb.db, A, insertAudit(A, id))));
    } finally {
      spy.mockRestore();
    }
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const s of settled) expect((s as PromiseRejectedResult).reason).not.toHaveProperty('code');
    // The server may still be working through what it received (it learns the client is
    // gone only when it answers), and commit after the client gave up: wait for its backend
    // to end, then read the rows in one snapshot. All or nothing, and never twice.
    expect(backend).toBeTypeOf('number');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const alive = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity where pid = ${backend}
      `.execute(tdb.owner);
      if (alive.rows[0]?.n === 0) break;
      if (Date.now() > deadline) throw new Error(`backend ${backend} still running after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const written = await sql<{ id: string; n: number }>`
      select id, count(*)::int as n from audit_log where id in (${sql.join(ids)}) group by id
    `.execute(tdb.owner);
    expect([0, 3]).toContain(written.rows.length);
    for (const row of written.rows) expect(row.n).toBe(1);
    // The broken connection was retired: the pool serves the next statement.
    expect(await inTenantOneTrip(tdb.db, A, sql<{ one: number }>`select 1 as one`)).toEqual([{ one: 1 }]);
  });

  it(`puts at most ${MAX_STATEMENTS_PER_BATCH} statements in one transaction`, async () => {
    const n = MAX_STATEMENTS_PER_BATCH + 8;
    const results = await Promise.all(
      Array.from({ length: n }, () => inTenantOneTrip(tdb.db, A, insertAudit(A, auditId()))),
    );
    const perTransaction = new Map<string, number>();
    for (const rows of results) {
      const xact = rows[0]?.xact as string;
      perTransaction.set(xact, (perTransaction.get(xact) ?? 0) + 1);
    }
    expect([...perTransaction.values()].sort((x, y) => y - x)).toEqual([MAX_STATEMENTS_PER_BATCH, 8]);
  });

  it('a later statement of the batch sees what an earlier one wrote', async () => {
    const id = auditId();
    const [, seen] = await Promise.all([
      inTenantOneTrip(tdb.db, A, insertAudit(A, id)),
      inTenantOneTrip(
        tdb.db,
        A,
        sql<{ n: number }>`select count(*)::int as n from audit_log where id = ${id}`,
      ),
    ]);
    expect(seen).toEqual([{ n: 1 }]);
  });
});

describe('inSystemOneTrip', () => {
  it('runs as paymux_system with the purpose and advisory lock of withSystem', async () => {
    const rows = await inSystemOneTrip(
      tdb.db,
      'one-trip-test',
      sql<{ role: string; app: string; locks: number }>`
        select current_user as role, current_setting('application_name') as app,
          (select count(*)::int from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()) as locks
      `,
      { advisoryLock: 'one-trip-test' },
    );
    expect(rows).toEqual([{ role: 'paymux_system', app: 'paymux:system:one-trip-test', locks: 1 }]);
  });
});
