import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MerchantAccountRow } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { createMerchantAccount, createTenant, OPERATOR, openCredentials } from '@paymux/operations';
import { testAlipayCredentials, testWechatpayCredentials } from '@paymux/providers/testing';
import {
  addDevelopmentMasterKey,
  DEV_KEYRING_FILE,
  type Envelope,
  type KeyProvider,
  LocalKeyProvider,
  localKeyId,
  openKeyring,
} from '@paymux/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'paymux-rotate-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function keyringKeys(dataDir: string): Promise<Buffer[]> {
  const parsed = JSON.parse(await readFile(join(dataDir, DEV_KEYRING_FILE), 'utf8')) as { keys: string[] };
  return parsed.keys.map((k) => Buffer.from(k, 'base64'));
}

async function rows(tdb: TestDatabase): Promise<MerchantAccountRow[]> {
  return (await tdb.owner
    .selectFrom('merchant_accounts')
    .selectAll()
    .orderBy('id')
    .execute()) as MerchantAccountRow[];
}

const envelopeOf = (row: MerchantAccountRow) => row.credentials as unknown as Envelope;

/** A tenant with one WeChat Pay and one Alipay account sealed by `vault`; returns their plaintexts by id. */
async function seedAccounts(tdb: TestDatabase, vault: KeyProvider): Promise<Map<string, unknown>> {
  const { tenant } = await createTenant({
    ctx: { db: tdb.db, actor: OPERATOR },
    input: { name: 'Rotate', email: `rotate-${Date.now()}@example.com`, password: 'correct horse battery' },
  });
  const ctx = { db: tdb.db, vault, actor: OPERATOR };
  await createMerchantAccount({
    ctx,
    input: {
      tenantId: tenant.id,
      mode: 'live',
      provider: 'wechatpay',
      display_name: 'WeChat',
      credentials: { ...(await testWechatpayCredentials()) },
    },
  });
  await createMerchantAccount({
    ctx,
    input: {
      tenantId: tenant.id,
      mode: 'test',
      provider: 'alipay',
      display_name: 'Alipay',
      credentials: { ...testAlipayCredentials() },
    },
  });
  const plain = new Map<string, unknown>();
  for (const row of await rows(tdb)) plain.set(row.id, await openCredentials(vault, row));
  return plain;
}

async function expectAllUnder(
  tdb: TestDatabase,
  keyId: string,
  plain: Map<string, unknown>,
  only: KeyProvider,
) {
  const current = await rows(tdb);
  expect(current).toHaveLength(plain.size);
  for (const row of current) {
    expect(envelopeOf(row).kek, row.id).toBe(keyId);
    expect(await openCredentials(only, row)).toEqual(plain.get(row.id));
  }
}

describe('paymux master-key rotate (development keyring)', () => {
  let tdb: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let plain: Map<string, unknown>;
  let server: KeyProvider;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    dataDir = join(root, 'dev');
    env = { DATABASE_URL: tdb.url, PAYMUX_DATA_DIR: dataDir };
    // As `paymux start` would: the dev keyring generated in the data dir, secrets sealed under it.
    const opened = await openKeyring({ dataDir });
    expect(opened.generatedFile).toBeDefined();
    server = opened.provider;
    plain = await seedAccounts(tdb, server);
  });
  afterAll(() => tdb.close());

  it('adds a master key, re-wraps every data key under it, and leaves the ciphertexts alone', async () => {
    const [original] = await keyringKeys(dataDir);
    const before = await rows(tdb);
    for (const row of before) expect(envelopeOf(row).kek).toBe(localKeyId(original as Buffer));

    const result = await runCli(['master-key', 'rotate'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Generated a new development master key');
    expect(result.stdout).toContain('Re-wrapping 2 secret(s)');
    expect(result.stdout).toMatch(/Done: 2 re-wrapped; every secret is under local:[0-9a-f]{16}\./);

    const keys = await keyringKeys(dataDir);
    expect(keys).toHaveLength(2);
    expect(keys[1]?.equals(original as Buffer)).toBe(true);
    const active = localKeyId(keys[0] as Buffer);
    expect(result.stdout).toContain(active);
    expect((await stat(join(dataDir, DEV_KEYRING_FILE))).mode & 0o777).toBe(0o600);

    await expectAllUnder(tdb, active, plain, new LocalKeyProvider([keys[0] as Buffer]));
    const after = await rows(tdb);
    for (const [i, row] of after.entries()) {
      expect(envelopeOf(row).ct).toBe(envelopeOf(before[i] as MerchantAccountRow).ct);
      expect(envelopeOf(row).dek).not.toBe(envelopeOf(before[i] as MerchantAccountRow).dek);
      // The old key alone no longer opens anything; the running server (keyring file) still does.
      await expect(openCredentials(new LocalKeyProvider([original as Buffer]), row)).rejects.toMatchObject({
        code: 'credentials_unavailable',
      });
      expect(await openCredentials(server, row)).toEqual(plain.get(row.id));
    }
  });

  it('--resume finishes an interrupted rotation without generating another key, and re-running changes nothing', async () => {
    // Interrupted after generating its key, before re-wrapping anything.
    await addDevelopmentMasterKey(dataDir);
    const keys = await keyringKeys(dataDir);
    expect(keys).toHaveLength(3);
    const active = localKeyId(keys[0] as Buffer);
    for (const row of await rows(tdb)) expect(envelopeOf(row).kek).not.toBe(active);

    const resumed = await runCli(['master-key', 'rotate', '--resume'], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).not.toContain('Generated');
    expect(resumed.stdout).toContain('Done: 2 re-wrapped');
    expect(await keyringKeys(dataDir)).toHaveLength(3);
    await expectAllUnder(tdb, active, plain, new LocalKeyProvider([keys[0] as Buffer]));

    const before = await rows(tdb);
    const again = await runCli(['master-key', 'rotate', '--resume'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Re-wrapping 0 secret(s)');
    expect(again.stdout).toContain('Done: 0 re-wrapped');
    expect(await rows(tdb)).toEqual(before);
    expect(await keyringKeys(dataDir)).toHaveLength(3);
  });

  it('prints --help with the production procedure', async () => {
    const help = await runCli(['master-key', 'rotate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: paymux master-key rotate [--resume]');
    expect(help.stdout).toContain('PAYMUX_MASTER_KEY_PREVIOUS');
  });
});

describe('paymux master-key rotate (PAYMUX_MASTER_KEY)', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let tdb: TestDatabase;
  let dataDir: string;
  let plain: Map<string, unknown>;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    dataDir = join(root, 'env');
    plain = await seedAccounts(tdb, new LocalKeyProvider([oldKey]));
  });
  afterAll(() => tdb.close());

  it('refuses to start without PAYMUX_MASTER_KEY_PREVIOUS, with a clear message, changing nothing', async () => {
    const before = await rows(tdb);
    const result = await runCli(['master-key', 'rotate'], {
      env: { DATABASE_URL: tdb.url, PAYMUX_DATA_DIR: dataDir, PAYMUX_MASTER_KEY: newKey.toString('base64') },
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Error: set PAYMUX_MASTER_KEY_PREVIOUS to the old key(s) (and PAYMUX_MASTER_KEY to the new one) before rotating',
    );
    expect(result.stderr).not.toContain(newKey.toString('base64'));
    expect(await rows(tdb)).toEqual(before);
  });

  it('re-wraps under the new key with PAYMUX_MASTER_KEY=new and PAYMUX_MASTER_KEY_PREVIOUS=old', async () => {
    const result = await runCli(['master-key', 'rotate'], {
      env: {
        DATABASE_URL: tdb.url,
        PAYMUX_DATA_DIR: dataDir,
        PAYMUX_MASTER_KEY: newKey.toString('base64'),
        PAYMUX_MASTER_KEY_PREVIOUS: oldKey.toString('base64'),
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('Generated');
    expect(result.stdout).toContain(`Done: 2 re-wrapped; every secret is under ${localKeyId(newKey)}.`);
    expect(result.stdout).toContain('You can now remove PAYMUX_MASTER_KEY_PREVIOUS.');
    for (const output of [result.stdout, result.stderr]) {
      expect(output).not.toContain(newKey.toString('base64'));
      expect(output).not.toContain(oldKey.toString('base64'));
    }
    await expectAllUnder(tdb, localKeyId(newKey), plain, new LocalKeyProvider([newKey]));
    for (const row of await rows(tdb)) {
      await expect(openCredentials(new LocalKeyProvider([oldKey]), row)).rejects.toMatchObject({
        code: 'credentials_unavailable',
      });
    }
    // Environment keys are never written to the data dir.
    await expect(stat(join(dataDir, DEV_KEYRING_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails without touching anything when the previous key does not match the stored envelopes', async () => {
    const before = await rows(tdb);
    const stranger = randomBytes(32);
    const result = await runCli(['master-key', 'rotate'], {
      env: {
        DATABASE_URL: tdb.url,
        PAYMUX_DATA_DIR: dataDir,
        PAYMUX_MASTER_KEY: stranger.toString('base64'),
        PAYMUX_MASTER_KEY_PREVIOUS: oldKey.toString('base64'),
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error');
    expect(result.stderr).not.toContain(stranger.toString('base64'));
    expect(await rows(tdb)).toEqual(before);
  });
});
