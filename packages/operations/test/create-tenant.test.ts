import { isId, isPaymuxError, type PaymuxError } from '@paymux/core';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { verifyPassword } from '@paymux/vault';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, OPERATOR, type OperationContext } from '../src/index.ts';

let tdb: TestDatabase;
let ctx: OperationContext;
beforeAll(async () => {
  tdb = await createTestDatabase();
  ctx = { db: tdb.db, actor: OPERATOR, requestId: 'req_create_tenant_test' };
});
afterAll(() => tdb.close());

const PASSWORD = 'correct horse battery staple';
let emailCounter = 0;
const uniqueEmail = () => `owner-${Date.now()}-${++emailCounter}@example.com`;

/** Row counts of every table sign-up writes, read past row-level security. */
async function counts(): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of ['tenants', 'users', 'memberships', 'audit_log']) {
    const row = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(
      tdb.owner,
    );
    result[table] = row.rows[0]?.n ?? -1;
  }
  return result;
}

async function expectPaymuxError(promise: Promise<unknown>, code: string): Promise<PaymuxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPaymuxError(error), String(error)).toBe(true);
  expect((error as PaymuxError).code).toBe(code);
  return error as PaymuxError;
}

describe('createTenant', () => {
  it('creates the tenant, its owner user with an argon2id hash, the owner membership and an audit row', async () => {
    const email = uniqueEmail();
    const created = await createTenant({ ctx, input: { name: '  Acme Pay  ', email, password: PASSWORD } });

    expect(isId('tnt', created.tenant.id)).toBe(true);
    expect(isId('usr', created.owner.id)).toBe(true);
    expect(created.tenant.name).toBe('Acme Pay');
    expect(created.owner.email).toBe(email);

    const tenant = await tdb.owner
      .selectFrom('tenants')
      .selectAll()
      .where('id', '=', created.tenant.id)
      .executeTakeFirstOrThrow();
    expect(tenant.name).toBe('Acme Pay');

    const user = await tdb.owner
      .selectFrom('users')
      .selectAll()
      .where('id', '=', created.owner.id)
      .executeTakeFirstOrThrow();
    expect(user.email).toBe(email);
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(user.password_hash).not.toContain(PASSWORD);
    expect(await verifyPassword(user.password_hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(user.password_hash, `${PASSWORD}!`)).toBe(false);

    const memberships = await tdb.owner
      .selectFrom('memberships')
      .selectAll()
      .where('tenant_id', '=', created.tenant.id)
      .execute();
    expect(memberships).toEqual([
      expect.objectContaining({ tenant_id: created.tenant.id, user_id: created.owner.id, role: 'owner' }),
    ]);

    const audit = await tdb.owner
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', created.tenant.id)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'tenant.created',
      actor_type: 'operator',
      actor_id: null,
      target_type: 'tenant',
      target_id: created.tenant.id,
      request_id: 'req_create_tenant_test',
      data: { name: 'Acme Pay', owner_user_id: created.owner.id },
    });
    expect(JSON.stringify(audit[0]?.data)).not.toContain(PASSWORD);
  });

  it('stores the email trimmed and lower-cased', async () => {
    const email = uniqueEmail();
    const created = await createTenant({
      ctx,
      input: { name: 'Case Co', email: `  ${email.toUpperCase()}  `, password: PASSWORD },
    });
    expect(created.owner.email).toBe(email);
    const user = await tdb.owner
      .selectFrom('users')
      .select('email')
      .where('id', '=', created.owner.id)
      .executeTakeFirstOrThrow();
    expect(user.email).toBe(email);
  });

  it('refuses an email that is already taken, also in another case or with whitespace, and writes nothing', async () => {
    const email = uniqueEmail();
    await createTenant({ ctx, input: { name: 'First', email, password: PASSWORD } });
    for (const variant of [
      email,
      email.toUpperCase(),
      `  ${email}\t`,
      ` ${email.replace('owner', 'OWNER')}`,
    ]) {
      const before = await counts();
      const error = await expectPaymuxError(
        createTenant({ ctx, input: { name: 'Second', email: variant, password: PASSWORD } }),
        'email_taken',
      );
      expect(error.status).toBe(409);
      expect(await counts()).toEqual(before);
    }
    const tenantsNamedSecond = await tdb.owner
      .selectFrom('tenants')
      .select('id')
      .where('name', '=', 'Second')
      .execute();
    expect(tenantsNamedSecond).toEqual([]);
  });

  it('lets exactly one of two concurrent sign-ups with the same email win', async () => {
    const email = uniqueEmail();
    const before = await counts();
    const results = await Promise.allSettled([
      createTenant({ ctx, input: { name: 'Racer', email, password: PASSWORD } }),
      createTenant({ ctx, input: { name: 'Racer', email: email.toUpperCase(), password: PASSWORD } }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'email_taken' });
    const after = await counts();
    expect(after.tenants).toBe((before.tenants ?? 0) + 1);
    expect(after.users).toBe((before.users ?? 0) + 1);
  });

  describe('refuses invalid input with validation_failed naming the field, and writes nothing', () => {
    const valid = () => ({ name: 'Valid Co', email: uniqueEmail(), password: PASSWORD });
    const cases: Array<{
      name: string;
      input: () => Record<string, unknown>;
      path: string;
      message?: RegExp;
    }> = [
      { name: 'an empty name', input: () => ({ ...valid(), name: '' }), path: 'name' },
      { name: 'a blank name', input: () => ({ ...valid(), name: '   ' }), path: 'name' },
      {
        name: 'a name over 200 characters',
        input: () => ({ ...valid(), name: 'n'.repeat(201) }),
        path: 'name',
      },
      { name: 'a malformed email', input: () => ({ ...valid(), email: 'not-an-email' }), path: 'email' },
      {
        name: 'an email with a space inside',
        input: () => ({ ...valid(), email: 'a b@example.com' }),
        path: 'email',
      },
      { name: 'a missing email', input: () => ({ name: 'x', password: PASSWORD }), path: 'email' },
      {
        name: 'a password under 10 characters',
        input: () => ({ ...valid(), password: 'short' }),
        path: 'password',
        message: /at least 10/,
      },
      {
        name: 'a password of the wrong type',
        input: () => ({ ...valid(), password: 1234567890 }),
        path: 'password',
      },
      {
        name: 'an unknown extra field',
        input: () => ({ ...valid(), role: 'admin' }),
        path: 'role',
        message: /unknown field/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const before = await counts();
        const error = await expectPaymuxError(
          // Deliberately ill-typed input: the verb must not trust its callers' types.
          createTenant({ ctx, input: c.input() as never }),
          'validation_failed',
        );
        expect(error.status).toBe(400);
        const field = error.fields?.find((f) => f.path === c.path);
        expect(field, JSON.stringify(error.fields)).toBeDefined();
        if (c.message) expect(field?.message).toMatch(c.message);
        expect(await counts()).toEqual(before);
      });
    }

    it('reports every invalid field at once', async () => {
      const error = await expectPaymuxError(
        createTenant({ ctx, input: { name: '', email: 'nope', password: 'short' } }),
        'validation_failed',
      );
      expect(error.fields?.map((f) => f.path).sort()).toEqual(['email', 'name', 'password']);
    });

    it('accepts the valid input these cases are built from (control)', async () => {
      const before = await counts();
      await createTenant({ ctx, input: valid() });
      expect((await counts()).tenants).toBe((before.tenants ?? 0) + 1);
    });
  });
});
