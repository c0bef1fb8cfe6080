import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { isPaymuxError } from '@paymux/core';
import type { MerchantAccountRow } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { openCredentials } from '@paymux/operations';
import { testAlipayCredentials, testWechatpayCredentials } from '@paymux/providers/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import {
  insertMerchantAccount,
  makeKey,
  makeTenant,
  mintToken,
  TEST_VAULT,
  type TestKey,
  testApp,
} from './support/fixtures.ts';

// The issue's "done when": stored credentials never appear in plaintext anywhere —
// not in the database (rows, audit log, a pg_dump), not in API responses, not in logs.

const run = promisify(execFile);

interface Account {
  id: string;
  identifiers: Record<string, unknown>;
  fingerprints: Record<string, string>;
}

/** The base64 body of a PEM, with armour and line breaks removed. */
function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

/** 40-character slices from across a key's body (both as submitted and as normalised to PKCS#8). */
function keyNeedles(pem: string): string[] {
  const normalised = createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem' }).toString();
  const needles = new Set<string>();
  for (const body of [pemBody(pem), pemBody(normalised)]) {
    for (const at of [0.25, 0.5, 0.75]) {
      const start = Math.floor(body.length * at);
      needles.add(body.slice(start, start + 40));
    }
  }
  return [...needles];
}

/** An APIv3 key in the forms a careless write might store it. */
function apiv3Needles(key: string): string[] {
  return [key, Buffer.from(key).toString('base64'), Buffer.from(key).toString('hex')];
}

/** Text with line breaks (real or JSON-escaped) removed, so a PEM slice spanning a line still matches. */
function flatten(text: string): string {
  return text.replace(/\\\\n|\\n|\\r|\s+/g, '');
}

function expectNoSecret(text: string, needles: readonly string[], where: string): void {
  const flat = flatten(text);
  for (const needle of needles) {
    expect(flat.includes(needle), `${where} contains secret material "${needle.slice(0, 12)}…"`).toBe(false);
  }
}

let tdb: TestDatabase;
let logLines: string[];
let responses: Array<{ what: string; status: number; text: string }>;
let needles: string[];
let keyA: TestKey;
let wechatAccount: Account;
let alipayAccount: Account;
let wechatMchid: string;
let replacementMchid: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  logLines = [];
  responses = [];
  const logger = createLogger({
    level: 'trace',
    stream: {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line) logLines.push(line);
      },
    },
  });
  const { app } = testApp(tdb, { logger });
  const tenant = await makeTenant(tdb, 'Secrecy');
  keyA = await makeKey(tdb, tenant.id);

  const wechat = await testWechatpayCredentials({ marker: `MARKERapiv3${randomBytes(3).toString('hex')}` });
  const replacement = await testWechatpayCredentials({
    marker: `MARKERnew${randomBytes(3).toString('hex')}`,
  });
  const rejected = await testWechatpayCredentials({ marker: `MARKERrej${randomBytes(3).toString('hex')}` });
  const alipay = testAlipayCredentials();
  for (const c of [wechat, replacement, rejected]) {
    expect(c.apiv3_key).toMatch(/^MARKER/);
    expect(Buffer.byteLength(c.apiv3_key)).toBe(32);
  }
  wechatMchid = wechat.mchid;
  replacementMchid = replacement.mchid;
  needles = [
    ...[wechat, replacement, rejected].flatMap((c) => [
      ...apiv3Needles(c.apiv3_key),
      ...keyNeedles(c.merchant_private_key),
    ]),
    ...keyNeedles(alipay.app_private_key),
  ];

  const send = async (what: string, method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${await mintToken(keyA)}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    responses.push({ what, status: res.status, text });
    return { status: res.status, text };
  };

  const created = await send('create wechatpay', 'POST', '/v1/merchant_accounts', {
    provider: 'wechatpay',
    display_name: 'Secret WeChat',
    credentials: wechat,
  });
  expect(created.status).toBe(201);
  wechatAccount = JSON.parse(created.text) as Account;
  const createdAlipay = await send('create alipay', 'POST', '/v1/merchant_accounts', {
    provider: 'alipay',
    display_name: 'Secret Alipay',
    credentials: alipay,
  });
  expect(createdAlipay.status).toBe(201);
  alipayAccount = JSON.parse(createdAlipay.text) as Account;

  expect((await send('get', 'GET', `/v1/merchant_accounts/${wechatAccount.id}`)).status).toBe(200);
  expect((await send('list', 'GET', '/v1/merchant_accounts')).status).toBe(200);
  expect(
    (
      await send('rename', 'PATCH', `/v1/merchant_accounts/${alipayAccount.id}`, {
        display_name: 'Renamed Alipay',
      })
    ).status,
  ).toBe(200);
  // The first WeChat credentials are replaced: the old ones must not linger anywhere either.
  const replaced = await send('replace credentials', 'PATCH', `/v1/merchant_accounts/${wechatAccount.id}`, {
    credentials: replacement,
  });
  expect(replaced.status).toBe(200);
  expect((await send('get after replace', 'GET', `/v1/merchant_accounts/${wechatAccount.id}`)).status).toBe(
    200,
  );
  // Failed creates: a wrong-length key alongside real secrets, and a key that does not match its certificate.
  const failed = await send('failed create (apiv3 length)', 'POST', '/v1/merchant_accounts', {
    provider: 'wechatpay',
    display_name: 'Rejected',
    credentials: { ...rejected, apiv3_key: `${rejected.apiv3_key}!` },
  });
  expect(failed.status).toBe(400);
  const mismatched = await send('failed create (key mismatch)', 'POST', '/v1/merchant_accounts', {
    provider: 'wechatpay',
    display_name: 'Rejected too',
    credentials: { ...rejected, merchant_private_key: wechat.merchant_private_key },
  });
  expect(mismatched.status).toBe(400);
  const wrongProvider = await send('failed create (wrong provider)', 'POST', '/v1/merchant_accounts', {
    provider: 'alipay',
    display_name: 'Rejected three',
    credentials: rejected,
  });
  expect(wrongProvider.status).toBe(400);
  // An old-key needle built on the rejected bundle with the apiv3 suffix, too.
  needles.push(`${rejected.apiv3_key}!`);
});
afterAll(() => tdb.close());

/** Every row of every table in every non-system schema, as text. */
async function everyRow(): Promise<{ tables: string[]; text: string }> {
  const tables = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name
    from information_schema.tables
    where table_type = 'BASE TABLE'
      and table_schema not in ('pg_catalog', 'information_schema')
      and table_schema not like 'pg\_toast%'
      and table_schema not like 'pg\_temp%'
    order by 1, 2
  `.execute(tdb.owner);
  const parts: string[] = [];
  for (const t of tables.rows) {
    const rows = await sql<{
      row: string;
    }>`select x::text as row from ${sql.table(`${t.schema}.${t.name}`)} x`.execute(tdb.owner);
    parts.push(`== ${t.schema}.${t.name}`, ...rows.rows.map((r) => r.row));
  }
  return { tables: tables.rows.map((t) => `${t.schema}.${t.name}`), text: parts.join('\n') };
}

/** The newest pg_dump on this machine whose major version can dump `serverMajor`, if any. */
async function findPgDump(serverMajor: number): Promise<{ path?: string; reason: string }> {
  const candidates = new Set(['/usr/bin/pg_dump']);
  try {
    for (const v of await readdir('/usr/lib/postgresql'))
      candidates.add(`/usr/lib/postgresql/${v}/bin/pg_dump`);
  } catch {
    // no Debian-style PostgreSQL installs
  }
  const found: Array<{ path: string; major: number }> = [];
  for (const path of candidates) {
    try {
      const { stdout } = await run(path, ['--version']);
      const major = Number(/\(PostgreSQL\)\s+(\d+)/.exec(stdout)?.[1]);
      if (Number.isFinite(major)) found.push({ path, major });
    } catch {
      // not installed here
    }
  }
  const usable = found.filter((f) => f.major >= serverMajor).sort((a, b) => b.major - a.major)[0];
  if (usable) return { path: usable.path, reason: `pg_dump ${usable.major} for server ${serverMajor}` };
  const seen = found.map((f) => `${f.path} (${f.major})`).join(', ') || 'none';
  return {
    reason: `no pg_dump with major version >= ${serverMajor} (the server's); found: ${seen}`,
  };
}

describe('merchant credentials are never stored, shown or logged in plaintext', () => {
  it('appear nowhere in the database: every row of every table of every schema', async () => {
    const { tables, text } = await everyRow();
    expect(tables).toContain('public.merchant_accounts');
    expect(tables).toContain('public.audit_log');
    // Positive control: the scan does read the accounts and their audit rows.
    expect(text).toContain(wechatAccount.id);
    expect(text).toContain(replacementMchid);
    expect(text).toContain(wechatAccount.fingerprints.apiv3_key as string);
    expect(text).toContain('merchant_account.credentials_replaced');
    expect(flatten(text)).not.toContain('MARKER');
    expectNoSecret(text, needles, 'the database');
  });

  it('appear nowhere in a pg_dump of the database (when a compatible pg_dump exists)', async ({
    annotate,
  }) => {
    const version = await sql<{ v: string }>`select current_setting('server_version_num') as v`.execute(
      tdb.owner,
    );
    const serverMajor = Math.floor(Number(version.rows[0]?.v) / 10_000);
    expect(serverMajor).toBeGreaterThanOrEqual(13);
    const pgDump = await findPgDump(serverMajor);
    if (!pgDump.path) {
      // Not a silent pass: the SQL scan above covered every row; say why the dump did not run.
      const note = `pg_dump check skipped: ${pgDump.reason}`;
      console.warn(note);
      await annotate(note, 'warning');
      return;
    }
    const { stdout } = await run(pgDump.path, ['--no-owner', '--no-privileges', `--dbname=${tdb.url}`], {
      maxBuffer: 64 * 1024 * 1024,
    });
    await annotate(`dumped with ${pgDump.reason}`, 'notice');
    // Positive control: the dump holds the data.
    expect(stdout).toContain(wechatAccount.id);
    expect(stdout).toContain(replacementMchid);
    expect(stdout).not.toContain('MARKER');
    expectNoSecret(stdout, needles, 'pg_dump');
  });

  it('appear in no API response: create, get, list, update, replace, or a refused create', () => {
    expect(responses.map((r) => r.what)).toEqual([
      'create wechatpay',
      'create alipay',
      'get',
      'list',
      'rename',
      'replace credentials',
      'get after replace',
      'failed create (apiv3 length)',
      'failed create (key mismatch)',
      'failed create (wrong provider)',
    ]);
    // Positive control: the responses do carry the public identifiers.
    expect(responses[0]?.text).toContain(wechatMchid);
    expect(responses[6]?.text).toContain(replacementMchid);
    for (const r of responses) {
      expect(r.text, r.what).not.toContain('MARKER');
      expect(r.text, r.what).not.toContain('PRIVATE KEY');
      expectNoSecret(r.text, needles, `the ${r.what} response`);
    }
  });

  it('appear in no log line, at trace level, including the refused creates', () => {
    const entries = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const access = entries.filter((e) => e.msg === 'request');
    // Positive control: every request above was logged.
    expect(access).toHaveLength(responses.length);
    expect(access.filter((e) => e.status === 400)).toHaveLength(3);
    const all = logLines.join('\n');
    expect(all).not.toContain('MARKER');
    expect(all).not.toContain('PRIVATE KEY');
    expectNoSecret(all, needles, 'the log');
  });
});

describe('a sealed envelope only opens on its own row', () => {
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    tenantA = (await makeTenant(tdb, 'Swap A')).id;
    tenantB = (await makeTenant(tdb, 'Swap B')).id;
  });

  const load = async (id: string) =>
    (await tdb.owner
      .selectFrom('merchant_accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow()) as MerchantAccountRow;

  const setEnvelope = async (id: string, envelope: unknown) => {
    await tdb.owner
      .updateTable('merchant_accounts')
      .set({ credentials: JSON.stringify(envelope) })
      .where('id', '=', id)
      .execute();
  };

  async function expectUnavailable(row: MerchantAccountRow): Promise<void> {
    let opened: unknown;
    let failure: unknown;
    try {
      opened = await openCredentials(TEST_VAULT, row);
    } catch (error) {
      failure = error;
    }
    expect(opened, `credentials of ${row.id} opened from a foreign envelope`).toBeUndefined();
    expect(isPaymuxError(failure) && failure.code).toBe('credentials_unavailable');
    // The error names the account, never a key or the vault's internals.
    expect(String((failure as Error).message)).toContain(row.id);
  }

  it("refuses envelopes swapped between two tenants' accounts, for both", async () => {
    const a = await insertMerchantAccount(tdb, tenantA, 'live', { provider: 'wechatpay' });
    const b = await insertMerchantAccount(tdb, tenantB, 'live', { provider: 'wechatpay' });
    const rowA = await load(a);
    const rowB = await load(b);
    // Positive control: each opens on its own row.
    const plainA = await openCredentials(TEST_VAULT, rowA);
    const plainB = await openCredentials(TEST_VAULT, rowB);
    expect(plainA).not.toEqual(plainB);

    await setEnvelope(a, rowB.credentials);
    await setEnvelope(b, rowA.credentials);
    const swappedA = await load(a);
    const swappedB = await load(b);
    expect(swappedA.credentials).toEqual(rowB.credentials);
    await expectUnavailable(swappedA);
    await expectUnavailable(swappedB);

    // Swapped back, both open again: the refusal was the binding, not damage.
    await setEnvelope(a, rowA.credentials);
    await setEnvelope(b, rowB.credentials);
    expect(await openCredentials(TEST_VAULT, await load(a))).toEqual(plainA);
    expect(await openCredentials(TEST_VAULT, await load(b))).toEqual(plainB);
  });

  it("refuses an envelope copied to another of the same tenant's accounts", async () => {
    const source = await insertMerchantAccount(tdb, tenantA, 'test', { provider: 'alipay' });
    const target = await insertMerchantAccount(tdb, tenantA, 'test', { provider: 'alipay' });
    const sourceRow = await load(source);
    const targetRow = await load(target);
    const sourcePlain = await openCredentials(TEST_VAULT, sourceRow);
    const targetPlain = await openCredentials(TEST_VAULT, targetRow);
    expect(targetPlain).not.toEqual(sourcePlain);

    await setEnvelope(target, sourceRow.credentials);
    await expectUnavailable(await load(target));
    // The source still opens; restored, the target opens again.
    expect(await openCredentials(TEST_VAULT, await load(source))).toEqual(sourcePlain);
    await setEnvelope(target, targetRow.credentials);
    expect(await openCredentials(TEST_VAULT, await load(target))).toEqual(targetPlain);
  });
});
