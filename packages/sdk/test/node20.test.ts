import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKey } from '../../../services/api/test/support/fixtures.ts';
import { type ApiServer, apiKeyFile, startApiServer, tenantWithKey } from './support/api-server.ts';

// The repo runs TypeScript directly on Node 24; tenants may be on Node 20. This builds the SDK
// with its own tsconfig.build.json, installs the output as a package (package.json + dist, with
// jose beside it) in a temporary folder, and uses it from Node 20 as a tenant would.

const run = promisify(execFile);
const SDK_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO = join(SDK_DIR, '..', '..');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const NODE20 = process.env.PAYMUX_NODE20_BIN ?? '/usr/bin/node';

const KNOWN_ANSWER = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

// What a tenant on Node 20 writes: plain ESM importing the package by name.
const TENANT_SCRIPT = `
import { Paymux, PaymuxError, verifyWebhook, WebhookVerificationError, SDK_VERSION } from '@paymux/sdk';

const vector = JSON.parse(process.env.VECTOR);
const tokens = [];
const paymux = new Paymux({
  privateKey: process.env.PAYMUX_KEY_FILE,
  baseUrl: process.env.PAYMUX_URL,
  fetch: (url, init) => {
    tokens.push(init.headers.authorization.slice('Bearer '.length));
    return fetch(url, init);
  },
});
const whoami = await paymux.whoami();
const accounts = await paymux.merchantAccounts.list();
let notFound;
try {
  await paymux.merchantAccounts.retrieve('mca_does_not_exist');
} catch (error) {
  notFound = { isPaymuxError: error instanceof PaymuxError, status: error.status, code: error.code, requestId: error.requestId };
}
const headers = {
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': vector.signature,
};
const event = verifyWebhook(vector.body, headers, vector.secret, { now: () => new Date(vector.timestamp * 1000) });
let tampered;
try {
  verifyWebhook(vector.body.replace('2432232314', '2432232315'), headers, vector.secret, { now: () => new Date(vector.timestamp * 1000) });
} catch (error) {
  tampered = error instanceof WebhookVerificationError ? error.reason : String(error);
}
console.log(JSON.stringify({ node: process.version, sdk: SDK_VERSION, tokens, whoami, accounts: accounts.object, notFound, event, tampered }));
`;

// What a TypeScript tenant writes: checked against the emitted .d.ts through the package's exports.
const TENANT_TS = `
import { Paymux, verifyWebhook, type Payment, type WebhookEvent } from '@paymux/sdk';
const paymux = new Paymux({ privateKey: '{}', baseUrl: 'http://localhost:4000' });
export async function pay(): Promise<string | undefined> {
  const payment: Payment = await paymux.payments.create({ amount: 100, currency: 'CNY', channel: 'alipay.qr', description: 'Tea', merchant_order_id: 'o-1' });
  return payment.next_action?.type === 'qr_code' ? payment.next_action.qr_code : undefined;
}
export const event: WebhookEvent = verifyWebhook('{}', {}, 'whsec_abc=');
// @ts-expect-error amounts are numbers of minor units
paymux.payments.create({ amount: '1.00', currency: 'CNY', channel: 'alipay.qr', description: 'x', merchant_order_id: 'o' });
`;

let workDir: string;
let api: ApiServer;
let key: TestKey;
let tenantId: string;

function linkDependency(name: string, nodeModules: string): void {
  // Prefer a copy nested under the SDK (a version conflict), else the hoisted one.
  const candidates = [join(SDK_DIR, 'node_modules', name), join(REPO, 'node_modules', name)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`${name} is not installed`);
  mkdirSync(dirname(join(nodeModules, name)), { recursive: true });
  symlinkSync(realpathSync(found), join(nodeModules, name), 'dir');
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'paymux-sdk-node20-'));
  const nodeModules = join(workDir, 'node_modules');
  const pkgDir = join(nodeModules, '@paymux', 'sdk');
  mkdirSync(pkgDir, { recursive: true });
  await run(
    process.execPath,
    [TSC, '-p', join(SDK_DIR, 'tsconfig.build.json'), '--outDir', join(pkgDir, 'dist')],
    {
      cwd: REPO,
    },
  );
  cpSync(join(SDK_DIR, 'package.json'), join(pkgDir, 'package.json'));
  linkDependency('jose', nodeModules);
  linkDependency('@types/node', nodeModules);
  linkDependency('undici-types', nodeModules);
  writeFileSync(join(workDir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(workDir, 'tenant.js'), TENANT_SCRIPT);
  writeFileSync(join(workDir, 'tenant.ts'), TENANT_TS);
  api = await startApiServer();
  ({ key, tenantId } = await tenantWithKey(api));
}, 120_000);

afterAll(async () => {
  await api?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(NODE20))(`the built SDK on ${NODE20}`, () => {
  it('imports, mints tokens the API accepts, surfaces errors and verifies the known-answer webhook', async () => {
    const { stdout } = await run(NODE20, ['tenant.js'], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH ?? '',
        PAYMUX_URL: api.url,
        PAYMUX_KEY_FILE: JSON.stringify(apiKeyFile(key)),
        VECTOR: JSON.stringify(KNOWN_ANSWER),
      },
    });
    const result = JSON.parse(stdout);
    expect(Number(/^v(\d+)\./.exec(result.node)?.[1])).toBeGreaterThanOrEqual(20);
    expect(result.whoami).toMatchObject({ tenant: tenantId, api_key: key.id, livemode: false });
    expect(result.accounts).toBe('list');
    expect(result.notFound).toMatchObject({ isPaymuxError: true, status: 404, code: 'not_found' });
    expect(result.notFound.requestId).toMatch(/^req_/);
    expect(result.event).toEqual({ test: 2432232314 });
    expect(result.tampered).toBe('no_matching_signature');

    // One signing for the three calls, and the token is what the API's rules require.
    expect(new Set(result.tokens).size).toBe(1);
    const { d: _d, ...publicJwk } = key.privateJwk;
    const { payload, protectedHeader } = await jwtVerify(
      result.tokens[0],
      await importJWK(publicJwk, 'ES256'),
      {
        audience: 'paymux',
        algorithms: ['ES256'],
      },
    );
    expect(protectedHeader.kid).toBe(key.id);
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
  });

  it('emits ESM with .js imports that Node 20 loads without type stripping', async () => {
    const { stdout } = await run(
      NODE20,
      [
        '--input-type=module',
        '-e',
        "const m = await import('@paymux/sdk'); console.log(Object.keys(m).sort().join(','))",
      ],
      { cwd: workDir },
    );
    expect(stdout.trim().split(',')).toEqual(
      expect.arrayContaining([
        'Paymux',
        'PaymuxConnectionError',
        'PaymuxError',
        'WebhookVerificationError',
        'signWebhook',
        'verifyWebhook',
      ]),
    );
  });
});

describe('the emitted type declarations', () => {
  it('type-check a tenant’s TypeScript through the package exports', async () => {
    const result = await run(
      process.execPath,
      [
        TSC,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        'tenant.ts',
      ],
      { cwd: workDir },
    ).catch((error: { stdout?: string }) => ({ stdout: `FAILED\n${error.stdout ?? ''}` }));
    expect(result.stdout).toBe('');
  });
});
