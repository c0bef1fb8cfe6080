import type { MerchantAccountRow } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { openCredentials } from '@paymux/operations';
import { testAlipayCredentials, testWechatpayCredentials } from '@paymux/providers/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeKey,
  makeTenant,
  mintToken,
  TEST_VAULT,
  type TestKey,
  type TestTenant,
  testApp,
} from './support/fixtures.ts';

interface Account {
  id: string;
  object: string;
  provider: 'wechatpay' | 'alipay';
  display_name: string;
  livemode: boolean;
  is_default: boolean;
  status: 'active' | 'disabled';
  health: string;
  health_detail: string | null;
  health_checked_at: string | null;
  identifiers: Record<string, unknown>;
  fingerprints: Record<string, string>;
  certificate_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

interface Problem {
  status: number;
  code: string;
  detail: string;
  request_id: string;
  errors?: Array<{ path: string; message: string }>;
}

const ACCOUNT_KEYS = [
  'certificate_expires_at',
  'created_at',
  'display_name',
  'fingerprints',
  'health',
  'health_checked_at',
  'health_detail',
  'id',
  'identifiers',
  'is_default',
  'livemode',
  'object',
  'provider',
  'status',
  'updated_at',
];

let tdb: TestDatabase;
let app: ReturnType<typeof testApp>['app'];
let tenant: TestTenant;
let testKey: TestKey;
let liveKey: TestKey;
let otherTenantKey: TestKey;

beforeAll(async () => {
  tdb = await createTestDatabase();
  app = testApp(tdb).app;
  tenant = await makeTenant(tdb, 'Merchant accounts');
  testKey = await makeKey(tdb, tenant.id);
  liveKey = await makeKey(tdb, tenant.id, { mode: 'live' });
  const other = await makeTenant(tdb, 'Someone else');
  otherTenantKey = await makeKey(tdb, other.id);
});
afterAll(() => tdb.close());

async function call(method: string, path: string, key: TestKey, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${await mintToken(key)}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return await app.request(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

async function create(key: TestKey, body: Record<string, unknown>): Promise<Account> {
  const res = await call('POST', '/v1/merchant_accounts', key, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Account;
}

async function get(key: TestKey, id: string): Promise<Account> {
  const res = await call('GET', `/v1/merchant_accounts/${id}`, key);
  expect(res.status).toBe(200);
  return (await res.json()) as Account;
}

async function list(key: TestKey, query = ''): Promise<Account[]> {
  const res = await call('GET', `/v1/merchant_accounts?limit=100${query}`, key);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Account[] }).data;
}

async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const problem = (await res.json()) as Problem;
  expect(problem).toMatchObject({ status, code });
  return problem;
}

async function row(id: string): Promise<MerchantAccountRow> {
  return (await tdb.owner
    .selectFrom('merchant_accounts')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow()) as MerchantAccountRow;
}

/** Every merchant account and audit row, to show a refused request changed nothing. */
async function digest(): Promise<string> {
  const r = await sql<{ d: string }>`
    select (select coalesce(string_agg(to_jsonb(m)::text, ',' order by m.id), '') from merchant_accounts m)
      || '|' || (select coalesce(string_agg(to_jsonb(a)::text, ',' order by a.id), '') from audit_log a) as d
  `.execute(tdb.owner);
  return r.rows[0]?.d ?? '';
}

/** Distinctive slices of a PEM's base64 body: none may appear in a response. */
function pemSlices(pem: string): string[] {
  const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return [body.slice(100, 140), body.slice(Math.floor(body.length / 2), Math.floor(body.length / 2) + 40)];
}

describe('POST /v1/merchant_accounts', () => {
  it('creates a WeChat Pay account in the key’s mode, showing identifiers and fingerprints but no secret', async () => {
    const credentials = await testWechatpayCredentials();
    const res = await call('POST', '/v1/merchant_accounts', testKey, {
      provider: 'wechatpay',
      display_name: 'WeChat shop',
      credentials,
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    const account = JSON.parse(text) as Account;
    expect(Object.keys(account).sort()).toEqual(ACCOUNT_KEYS);
    expect(account).toMatchObject({
      object: 'merchant_account',
      provider: 'wechatpay',
      display_name: 'WeChat shop',
      livemode: false,
      is_default: true,
      status: 'active',
      health: 'unverified',
      identifiers: {
        mchid: credentials.mchid,
        appid: credentials.appid,
        merchant_serial_no: credentials.merchant_serial_no,
        wechatpay_public_key_id: credentials.wechatpay_public_key_id,
      },
    });
    expect(account.id).toMatch(/^mca_[0-9a-z]{26}$/);
    expect(Object.keys(account.fingerprints).sort()).toEqual([
      'apiv3_key',
      'merchant_private_key',
      'wechatpay_public_key',
    ]);
    for (const fp of Object.values(account.fingerprints)) expect(fp).toMatch(/^sha256:[0-9a-f]+$/);
    expect(Date.parse(account.certificate_expires_at ?? '')).toBeGreaterThan(Date.now());
    expect(text).not.toContain(credentials.apiv3_key);
    for (const slice of [
      ...pemSlices(credentials.merchant_private_key),
      ...pemSlices(credentials.wechatpay_public_key as string),
    ]) {
      expect(text).not.toContain(slice);
    }

    const stored = await row(account.id);
    expect(stored).toMatchObject({ tenant_id: tenant.id, mode: 'test', provider: 'wechatpay' });
    expect(Object.keys(stored.credentials).sort()).toEqual(['ct', 'dek', 'kek', 'nonce', 'v']);
    const opened = await openCredentials(TEST_VAULT, stored);
    expect(opened).toMatchObject({ mchid: credentials.mchid, apiv3_key: credentials.apiv3_key });
  });

  it('creates an Alipay account with a live key as livemode, separately defaulted from test mode', async () => {
    const credentials = testAlipayCredentials();
    const res = await call('POST', '/v1/merchant_accounts', liveKey, {
      provider: 'alipay',
      display_name: 'Alipay live',
      credentials,
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    const account = JSON.parse(text) as Account;
    expect(account).toMatchObject({
      provider: 'alipay',
      livemode: true,
      is_default: true,
      identifiers: { app_id: credentials.app_id },
      certificate_expires_at: null,
    });
    expect(Object.keys(account.fingerprints).sort()).toEqual(['alipay_public_key', 'app_private_key']);
    for (const slice of pemSlices(credentials.app_private_key)) expect(text).not.toContain(slice);
    expect((await row(account.id)).mode).toBe('live');
    // The live account is invisible to the test key, and the reverse.
    expect((await list(testKey)).map((a) => a.id)).not.toContain(account.id);
    await expectProblem(await call('GET', `/v1/merchant_accounts/${account.id}`, testKey), 404, 'not_found');
  });

  it('makes the first account of a provider and mode the default; a later one only when asked, taking it over', async () => {
    const first = await create(testKey, {
      provider: 'alipay',
      display_name: 'Alipay one',
      credentials: testAlipayCredentials(),
      // Asking for false does not leave a provider without a default.
      is_default: false,
    });
    expect(first.is_default).toBe(true);
    const second = await create(testKey, {
      provider: 'alipay',
      display_name: 'Alipay two',
      credentials: testAlipayCredentials(),
    });
    expect(second.is_default).toBe(false);
    expect((await get(testKey, first.id)).is_default).toBe(true);

    const third = await create(testKey, {
      provider: 'alipay',
      display_name: 'Alipay three',
      credentials: testAlipayCredentials(),
      is_default: true,
    });
    expect(third.is_default).toBe(true);
    expect((await get(testKey, first.id)).is_default).toBe(false);
    expect((await get(testKey, second.id)).is_default).toBe(false);
    const defaults = (await list(testKey, '&provider=alipay')).filter((a) => a.is_default);
    expect(defaults.map((a) => a.id)).toEqual([third.id]);
    // The live Alipay default (previous test) is untouched by test-mode changes.
    expect((await list(liveKey)).filter((a) => a.is_default)).toHaveLength(1);
  });
});

describe('concurrent creates', () => {
  it('gives exactly one default to parallel first accounts of a provider and mode, with no 5xx', async () => {
    const other = await makeTenant(tdb, 'Parallel creates');
    const key = await makeKey(tdb, other.id);
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call('POST', '/v1/merchant_accounts', key, {
          provider: 'alipay',
          display_name: `Parallel ${i}`,
          credentials: testAlipayCredentials(),
          ...(i % 2 === 0 ? { is_default: true } : {}),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    const accounts = await list(key);
    expect(accounts).toHaveLength(8);
    expect(accounts.filter((a) => a.is_default)).toHaveLength(1);
  });
});

describe('GET /v1/merchant_accounts and /{id}', () => {
  it('shows the tenant’s own accounts of the key’s mode, never another tenant’s', async () => {
    const created = await create(testKey, {
      provider: 'alipay',
      display_name: 'Listed',
      credentials: testAlipayCredentials(),
    });
    const fetched = await get(testKey, created.id);
    expect(fetched).toEqual(created);
    const listed = await list(testKey);
    expect(listed.find((a) => a.id === created.id)).toEqual(created);
    expect(listed.every((a) => !a.livemode)).toBe(true);
    const wechatOnly = await list(testKey, '&provider=wechatpay');
    expect(wechatOnly.length).toBeGreaterThan(0);
    expect(wechatOnly.every((a) => a.provider === 'wechatpay')).toBe(true);

    expect(await list(otherTenantKey)).toEqual([]);
    await expectProblem(
      await call('GET', `/v1/merchant_accounts/${created.id}`, otherTenantKey),
      404,
      'not_found',
    );
  });
});

describe('PATCH /v1/merchant_accounts/{id}', () => {
  it('renames, makes default and disables, recording each change', async () => {
    const a = await create(liveKey, {
      provider: 'wechatpay',
      display_name: 'Live WeChat A',
      credentials: await testWechatpayCredentials(),
    });
    const b = await create(liveKey, {
      provider: 'wechatpay',
      display_name: 'Live WeChat B',
      credentials: await testWechatpayCredentials(),
    });
    expect([a.is_default, b.is_default]).toEqual([true, false]);

    const renamedRes = await call('PATCH', `/v1/merchant_accounts/${b.id}`, liveKey, {
      display_name: '  Renamed  ',
    });
    expect(renamedRes.status).toBe(200);
    const renamed = (await renamedRes.json()) as Account;
    expect(renamed.display_name).toBe('Renamed');
    expect(renamed.fingerprints).toEqual(b.fingerprints);
    expect(Date.parse(renamed.updated_at)).toBeGreaterThanOrEqual(Date.parse(b.updated_at));

    const defaulted = (await (
      await call('PATCH', `/v1/merchant_accounts/${b.id}`, liveKey, { is_default: true })
    ).json()) as Account;
    expect(defaulted.is_default).toBe(true);
    expect((await get(liveKey, a.id)).is_default).toBe(false);

    const disabled = (await (
      await call('PATCH', `/v1/merchant_accounts/${a.id}`, liveKey, { status: 'disabled' })
    ).json()) as Account;
    expect(disabled.status).toBe('disabled');
    expect((await get(liveKey, a.id)).status).toBe('disabled');
    const enabled = (await (
      await call('PATCH', `/v1/merchant_accounts/${a.id}`, liveKey, { status: 'active' })
    ).json()) as Account;
    expect(enabled.status).toBe('active');

    const audit = await tdb.owner
      .selectFrom('audit_log')
      .select(['action', 'data', 'actor_type', 'actor_id'])
      .where('target_id', 'in', [a.id, b.id])
      .where('action', '=', 'merchant_account.updated')
      .orderBy('created_at')
      .execute();
    expect(audit.map((r) => (r.data as { changed: string[] }).changed)).toEqual([
      ['display_name'],
      ['is_default'],
      ['status'],
      ['status'],
    ]);
    expect(audit.every((r) => r.actor_type === 'api_key' && r.actor_id === liveKey.id)).toBe(true);
  });

  it('never lets a disabled account be the default: disabling clears it, and disabled + default is refused', async () => {
    const other = await makeTenant(tdb, 'Disabled default');
    const key = await makeKey(tdb, other.id, { mode: 'live' });
    const a = await create(key, {
      provider: 'alipay',
      display_name: 'A',
      credentials: testAlipayCredentials(),
    });
    const b = await create(key, {
      provider: 'alipay',
      display_name: 'B',
      credentials: testAlipayCredentials(),
    });
    expect(a.is_default).toBe(true);
    const before = await digest();
    const refused = await call('PATCH', `/v1/merchant_accounts/${b.id}`, key, {
      status: 'disabled',
      is_default: true,
    });
    await expectProblem(refused, 409, 'conflict');
    expect(await digest()).toBe(before);
    const disabled = (await (
      await call('PATCH', `/v1/merchant_accounts/${a.id}`, key, { status: 'disabled' })
    ).json()) as Account;
    expect(disabled).toMatchObject({ status: 'disabled', is_default: false });
    // Control: an active account can still take the default.
    const taken = (await (
      await call('PATCH', `/v1/merchant_accounts/${b.id}`, key, { is_default: true })
    ).json()) as Account;
    expect(taken.is_default).toBe(true);
  });

  it('refuses is_default: false (unset a default by making another one the default)', async () => {
    const a = await create(testKey, {
      provider: 'alipay',
      display_name: 'No unsetting',
      credentials: testAlipayCredentials(),
    });
    const problem = await expectProblem(
      await call('PATCH', `/v1/merchant_accounts/${a.id}`, testKey, { is_default: false }),
      400,
      'validation_failed',
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(['is_default']);
  });

  it('replaces credentials: new fingerprints, health back to unverified, audited, and the new key decrypts', async () => {
    const original = await testWechatpayCredentials();
    const account = await create(testKey, {
      provider: 'wechatpay',
      display_name: 'Rotating keys',
      credentials: original,
    });
    // As if a verification had run.
    await tdb.owner
      .updateTable('merchant_accounts')
      .set({ health: 'ok', health_detail: 'verified', health_checked_at: new Date() })
      .where('id', '=', account.id)
      .execute();
    expect((await get(testKey, account.id)).health).toBe('ok');
    const envelopeBefore = (await row(account.id)).credentials;

    const replacement = await testWechatpayCredentials();
    const res = await call('PATCH', `/v1/merchant_accounts/${account.id}`, testKey, {
      credentials: replacement,
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const updated = JSON.parse(text) as Account;
    expect(text).not.toContain(replacement.apiv3_key);
    for (const slice of pemSlices(replacement.merchant_private_key)) expect(text).not.toContain(slice);
    expect(updated).toMatchObject({
      health: 'unverified',
      health_detail: null,
      health_checked_at: null,
      identifiers: { mchid: replacement.mchid, merchant_serial_no: replacement.merchant_serial_no },
    });
    for (const name of ['apiv3_key', 'merchant_private_key', 'wechatpay_public_key']) {
      expect(updated.fingerprints[name], name).not.toBe(account.fingerprints[name]);
    }

    const audit = await tdb.owner
      .selectFrom('audit_log')
      .selectAll()
      .where('target_id', '=', account.id)
      .where('action', '=', 'merchant_account.credentials_replaced')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      tenant_id: tenant.id,
      actor_type: 'api_key',
      actor_id: testKey.id,
      request_id: res.headers.get('request-id'),
      data: { previous_fingerprints: account.fingerprints, fingerprints: updated.fingerprints },
    });
    expect(JSON.stringify(audit)).not.toContain(replacement.apiv3_key);

    const stored = await row(account.id);
    expect(stored.credentials).not.toEqual(envelopeBefore);
    const opened = await openCredentials(TEST_VAULT, stored);
    expect(opened).toMatchObject({
      mchid: replacement.mchid,
      apiv3_key: replacement.apiv3_key,
      merchant_serial_no: replacement.merchant_serial_no,
    });
    expect(JSON.stringify(opened)).not.toContain(original.apiv3_key);
  });

  it('refuses credentials of the other provider and changes nothing', async () => {
    const account = await create(testKey, {
      provider: 'wechatpay',
      display_name: 'Stays WeChat',
      credentials: await testWechatpayCredentials(),
    });
    const before = await digest();
    const problem = await expectProblem(
      await call('PATCH', `/v1/merchant_accounts/${account.id}`, testKey, {
        display_name: 'Changed?',
        credentials: testAlipayCredentials(),
      }),
      400,
      'validation_failed',
    );
    const paths = problem.errors?.map((e) => e.path) ?? [];
    expect(paths).toContain('credentials.app_id');
    expect(paths).toContain('credentials.mchid');
    expect(await digest()).toBe(before);
  });
});

describe('DELETE /v1/merchant_accounts/{id}', () => {
  it('deletes: the account disappears from the API and its sealed credentials are destroyed', async () => {
    const account = await create(liveKey, {
      provider: 'alipay',
      display_name: 'To delete',
      credentials: testAlipayCredentials(),
      is_default: true,
    });
    const res = await call('DELETE', `/v1/merchant_accounts/${account.id}`, liveKey);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: account.id, object: 'merchant_account', deleted: true });

    await expectProblem(await call('GET', `/v1/merchant_accounts/${account.id}`, liveKey), 404, 'not_found');
    expect((await list(liveKey)).map((a) => a.id)).not.toContain(account.id);
    await expectProblem(
      await call('PATCH', `/v1/merchant_accounts/${account.id}`, liveKey, { display_name: 'back?' }),
      404,
      'not_found',
    );
    await expectProblem(
      await call('DELETE', `/v1/merchant_accounts/${account.id}`, liveKey),
      404,
      'not_found',
    );

    const stored = await row(account.id);
    expect(stored.credentials).toEqual({ destroyed: true });
    expect(stored.deleted_at).not.toBeNull();
    expect(stored.is_default).toBe(false);
    await expect(openCredentials(TEST_VAULT, stored)).rejects.toMatchObject({
      code: 'credentials_unavailable',
    });
    const audit = await tdb.owner
      .selectFrom('audit_log')
      .select('data')
      .where('target_id', '=', account.id)
      .where('action', '=', 'merchant_account.deleted')
      .executeTakeFirstOrThrow();
    expect(audit.data).toEqual({ fingerprints: account.fingerprints });

    // The deleted default no longer holds the place: the next account created takes it.
    const next = await create(liveKey, {
      provider: 'alipay',
      display_name: 'After delete',
      credentials: testAlipayCredentials(),
    });
    expect(next.is_default).toBe(true);
  });

  it("answers 404 for another tenant's account and leaves it alone", async () => {
    const account = await create(testKey, {
      provider: 'alipay',
      display_name: 'Not yours',
      credentials: testAlipayCredentials(),
    });
    await expectProblem(
      await call('DELETE', `/v1/merchant_accounts/${account.id}`, otherTenantKey),
      404,
      'not_found',
    );
    expect((await get(testKey, account.id)).id).toBe(account.id);
    expect((await row(account.id)).credentials).toHaveProperty('ct');
  });
});

describe('validation', () => {
  const cases: Array<{ name: string; body: () => Promise<Record<string, unknown>>; paths: string[] }> = [
    {
      name: 'a 33-byte APIv3 key',
      body: async () => ({
        provider: 'wechatpay',
        display_name: 'Bad key',
        credentials: { ...(await testWechatpayCredentials()), apiv3_key: 'k'.repeat(33) },
      }),
      paths: ['credentials.apiv3_key'],
    },
    {
      name: 'a private key that is not PEM',
      body: async () => ({
        provider: 'wechatpay',
        display_name: 'Bad PEM',
        credentials: {
          ...(await testWechatpayCredentials()),
          merchant_private_key: '-----BEGIN PRIVATE KEY-----',
        },
      }),
      paths: ['credentials.merchant_private_key'],
    },
    {
      name: 'an unknown credential field',
      body: async () => ({
        provider: 'alipay',
        display_name: 'Extra',
        credentials: { ...testAlipayCredentials(), app_secret: 'x' },
      }),
      paths: ['credentials.app_secret'],
    },
    {
      name: 'WeChat Pay credentials under provider alipay',
      body: async () => ({
        provider: 'alipay',
        display_name: 'Mixed up',
        credentials: await testWechatpayCredentials(),
      }),
      paths: ['credentials.app_id', 'credentials.app_private_key', 'credentials.alipay_public_key'],
    },
    {
      name: 'an unknown provider and top-level field',
      body: async () => ({
        provider: 'paypal',
        display_name: 'Nope',
        credentials: testAlipayCredentials(),
        colour: 'red',
      }),
      paths: ['provider', 'colour'],
    },
    {
      name: 'credentials that are not an object',
      body: async () => ({ provider: 'alipay', display_name: 'String', credentials: 'app_id=1' }),
      paths: ['credentials'],
    },
  ];
  for (const c of cases) {
    it(`answers 400 problem+json naming the field for ${c.name}, and stores nothing`, async () => {
      const before = await digest();
      const problem = await expectProblem(
        await call('POST', '/v1/merchant_accounts', testKey, await c.body()),
        400,
        'validation_failed',
      );
      const paths = problem.errors?.map((e) => e.path) ?? [];
      for (const path of c.paths) expect(paths).toContain(path);
      expect(await digest()).toBe(before);
    });
  }

  it('changes no row for a WeChat body with a 33-byte APIv3 key (positive control: 32 bytes is stored)', async () => {
    const credentials = await testWechatpayCredentials();
    const count = async () =>
      Number(
        (
          await tdb.owner
            .selectFrom('merchant_accounts')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await digest();
    const countBefore = await count();
    const res = await call('POST', '/v1/merchant_accounts', testKey, {
      provider: 'wechatpay',
      display_name: 'Almost',
      credentials: { ...credentials, apiv3_key: `${credentials.apiv3_key}x` },
    });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors).toEqual([
      { path: 'credentials.apiv3_key', message: 'must be exactly 32 bytes (got 33)' },
    ]);
    expect(JSON.stringify(problem)).not.toContain(credentials.apiv3_key);
    expect(await digest()).toBe(before);
    expect(await count()).toBe(countBefore);

    await create(testKey, { provider: 'wechatpay', display_name: 'Exactly', credentials });
    expect(await count()).toBe(countBefore + 1);
  });
});
