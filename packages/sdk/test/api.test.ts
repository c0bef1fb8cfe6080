import { testAlipayCredentials } from '@paymux/providers/testing';
import { importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKey } from '../../../services/api/test/support/fixtures.ts';
import { Paymux, PaymuxError } from '../src/index.ts';
import { type ApiServer, apiKeyFile, startApiServer, tenantWithKey } from './support/api-server.ts';
import { recordingFetch } from './support/recording-fetch.ts';

// The SDK against the real API: createApp on a real PostgreSQL test database, over real HTTP.

let api: ApiServer;
let key: TestKey;
let tenantId: string;

beforeAll(async () => {
  api = await startApiServer();
  ({ key, tenantId } = await tenantWithKey(api));
});
afterAll(() => api?.close());

const sdk = (fetchImpl?: ReturnType<typeof recordingFetch>['fetch']) =>
  new Paymux({ privateKey: apiKeyFile(key), baseUrl: api.url, ...(fetchImpl ? { fetch: fetchImpl } : {}) });

describe('authentication', () => {
  it('whoami resolves the key file to its tenant, key and mode', async () => {
    await expect(sdk().whoami()).resolves.toEqual({
      object: 'api_key_identity',
      tenant: tenantId,
      api_key: key.id,
      livemode: false,
      scopes: expect.arrayContaining(['payments:read', 'merchant_accounts:write']),
    });
  });

  it('works with a bare JWK and keyId, and with a live key', async () => {
    const paymux = new Paymux({ privateKey: key.privateJwk, keyId: key.id, baseUrl: api.url });
    expect((await paymux.whoami()).api_key).toBe(key.id);
    const live = await tenantWithKey(api, { mode: 'live' });
    const livePaymux = new Paymux({ privateKey: JSON.stringify(apiKeyFile(live.key)), baseUrl: api.url });
    expect((await livePaymux.whoami()).livemode).toBe(true);
  });

  it('signs once for many calls: one token across every Authorization header, accepted by the server', async () => {
    const recorder = recordingFetch();
    const paymux = sdk(recorder.fetch);
    for (let i = 0; i < 5; i++) await paymux.whoami();
    await paymux.merchantAccounts.list();
    const tokens = new Set(recorder.requests.map((r) => r.headers.authorization));
    expect(recorder.requests).toHaveLength(6);
    expect(tokens.size).toBe(1);
    const token = [...tokens][0]?.replace('Bearer ', '') ?? '';
    const { d: _d, ...publicJwk } = key.privateJwk;
    const { payload } = await jwtVerify(token, await importJWK(publicJwk, 'ES256'), { audience: 'paymux' });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
  });

  it('a token for the wrong audience is refused as a 401 PaymuxError, not retried', async () => {
    const recorder = recordingFetch();
    const paymux = new Paymux({
      privateKey: apiKeyFile(key),
      baseUrl: api.url,
      audience: 'elsewhere',
      fetch: recorder.fetch,
    });
    const error = await paymux.whoami().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymuxError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', retryable: false });
    expect(recorder.requests).toHaveLength(1);
  });
});

describe('merchant accounts through the SDK', () => {
  it('create, retrieve, list, update and delete', async () => {
    const paymux = sdk();
    const created = await paymux.merchantAccounts.create({
      provider: 'alipay',
      display_name: 'SDK shop',
      credentials: testAlipayCredentials(),
    });
    expect(created).toMatchObject({
      object: 'merchant_account',
      provider: 'alipay',
      display_name: 'SDK shop',
    });
    expect(created.id).toMatch(/^mca_/);
    expect(JSON.stringify(created)).not.toContain('PRIVATE KEY');

    await expect(paymux.merchantAccounts.retrieve(created.id)).resolves.toEqual(created);
    const list = await paymux.merchantAccounts.list({ provider: 'alipay' });
    expect(list.object).toBe('list');
    expect(list.data.map((a) => a.id)).toContain(created.id);

    const renamed = await paymux.merchantAccounts.update(created.id, { display_name: 'SDK shop, renamed' });
    expect(renamed.display_name).toBe('SDK shop, renamed');

    await expect(paymux.merchantAccounts.delete(created.id)).resolves.toEqual({
      id: created.id,
      object: 'merchant_account',
      deleted: true,
    });
    const gone = await paymux.merchantAccounts.retrieve(created.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(PaymuxError);
    expect(gone).toMatchObject({ status: 404, code: 'not_found', retryable: false });
  });

  it('listAll walks pages of one', async () => {
    const { key: ownKey } = await tenantWithKey(api);
    const paymux = new Paymux({ privateKey: apiKeyFile(ownKey), baseUrl: api.url });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const account = await paymux.merchantAccounts.create({
        provider: 'alipay',
        display_name: `Shop ${i}`,
        credentials: testAlipayCredentials(),
      });
      ids.push(account.id);
    }
    const walked: string[] = [];
    for await (const account of paymux.merchantAccounts.listAll({ limit: 1 })) walked.push(account.id);
    expect(walked).toEqual([...ids].reverse());
  });

  it('a validation failure is a 400 PaymuxError with code, field errors and the request id, sent once', async () => {
    const recorder = recordingFetch();
    const error = await sdk(recorder.fetch)
      .merchantAccounts.create({
        provider: 'alipay',
        display_name: 'Broken',
        credentials: { app_id: '', app_private_key: 'nope', alipay_public_key: 'nope' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymuxError);
    const paymuxError = error as PaymuxError;
    expect(paymuxError.status).toBe(400);
    expect(paymuxError.code).toBe('validation_failed');
    expect(paymuxError.retryable).toBe(false);
    expect(paymuxError.requestId).toMatch(/^req_/);
    expect(paymuxError.headers?.get('request-id')).toBe(paymuxError.requestId);
    expect(paymuxError.problem).toMatchObject({
      status: 400,
      code: 'validation_failed',
      request_id: paymuxError.requestId,
    });
    expect(paymuxError.problem?.errors?.length).toBeGreaterThan(0);
    expect(paymuxError.message).toContain(paymuxError.requestId);
    expect(recorder.requests).toHaveLength(1);
  });

  it('every POST carries an Idempotency-Key; GET, PATCH and DELETE do not', async () => {
    const recorder = recordingFetch();
    const paymux = sdk(recorder.fetch);
    const account = await paymux.merchantAccounts.create(
      { provider: 'alipay', display_name: 'Keyed', credentials: testAlipayCredentials() },
      { idempotencyKey: 'create-keyed-shop' },
    );
    await paymux.merchantAccounts.retrieve(account.id);
    await paymux.merchantAccounts.update(account.id, { display_name: 'Keyed 2' });
    await paymux.merchantAccounts.verify(account.id).catch(() => undefined); // the provider is unreachable here
    await paymux.merchantAccounts.delete(account.id);
    const byMethod = recorder.requests.map((r) => [r.method, r.headers['idempotency-key']]);
    expect(byMethod[0]).toEqual(['POST', 'create-keyed-shop']);
    expect(byMethod[1]).toEqual(['GET', undefined]);
    expect(byMethod[2]).toEqual(['PATCH', undefined]);
    expect(byMethod[3]?.[0]).toBe('POST');
    expect(byMethod[3]?.[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(byMethod.at(-1)).toEqual(['DELETE', undefined]);
  });
});
