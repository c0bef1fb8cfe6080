import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BaseLookup,
  checkWebhookUrlResolved,
  generateWebhookSecret,
  sendWebhook,
  signWebhook,
  type UrlPolicy,
} from '../src/index.ts';
import { type LocalServer, startLocalServer } from './support/local-server.ts';
import { familyOf, REFUSED_ADDRESSES } from './support/ssrf-matrix.ts';

const body = Buffer.from(
  '{"id":"evt_1","type":"payment.succeeded","timestamp":"2026-11-26T08:30:00.000Z","data":{}}',
);
const headers = signWebhook({ id: 'evt_1', timestamp: new Date(), body, secrets: [generateWebhookSecret()] });
const strict: UrlPolicy = { requireHttps: false, allowLoopback: false };
const local: UrlPolicy = { requireHttps: false, allowLoopback: true };

const resolvesTo =
  (...addresses: string[]): BaseLookup =>
  async () =>
    addresses.map((address) => ({ address, family: familyOf(address) }));

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer((_req, res) => res.end('reached'));
});
afterEach(async () => {
  await server.close();
});

describe('connect-time guard in sendWebhook', () => {
  it('control: a name resolving to 127.0.0.1 reaches the local server when loopback is allowed', async () => {
    const result = await sendWebhook({
      url: `http://hooks.shop.test:${server.port}/hook`,
      headers,
      body,
      policy: local,
      lookup: resolvesTo('127.0.0.1'),
    });
    expect(result).toMatchObject({ ok: true, responseBody: 'reached' });
    expect(server.requests).toHaveLength(1);
  });

  it.each(REFUSED_ADDRESSES.filter(([, reason]) => reason === 'loopback'))(
    'refuses a name resolving to %s without connecting',
    async (address) => {
      const result = await sendWebhook({
        url: `http://hooks.shop.test:${server.port}/hook`,
        headers,
        body,
        policy: strict,
        lookup: resolvesTo(address),
      });
      expect(result).toMatchObject({ ok: false, statusCode: null, errorClass: 'address_refused' });
      expect(result.errorMessage).toContain('loopback');
      expect(server.connections()).toBe(0);
    },
  );

  // This machine must never send a packet to a private or foreign address, so a non-loopback target is
  // resolved behind a reachable 127.0.0.1 decoy listed first: a working guard refuses the whole answer,
  // a broken one would connect to the decoy (our server counts it) and never to the refused address.
  it.each(REFUSED_ADDRESSES.filter(([, reason]) => reason !== 'loopback'))(
    'refuses a name resolving to %s (%s) even with loopback allowed, without connecting',
    async (address, reason) => {
      const result = await sendWebhook({
        url: `http://hooks.shop.test:${server.port}/hook`,
        headers,
        body,
        policy: local,
        lookup: resolvesTo('127.0.0.1', address),
      });
      expect(result).toMatchObject({ ok: false, statusCode: null, errorClass: 'address_refused' });
      expect(result.errorMessage).toContain(reason);
      expect(result.errorMessage).not.toContain(address);
      expect(server.connections()).toBe(0);
    },
  );

  it.each([
    'http://127.0.0.1:PORT/hook',
    'http://2130706433:PORT/hook',
    'http://0x7f000001:PORT/hook',
    'http://[::ffff:7f00:1]:PORT/hook',
    'http://localhost:PORT/hook',
  ])('refuses the literal %s before connecting (Node skips lookup for IP literals)', async (template) => {
    const url = template.replace('PORT', String(server.port));
    const result = await sendWebhook({ url, headers, body, policy: strict });
    expect(result).toMatchObject({ ok: false, errorClass: 'address_refused' });
    expect(server.connections()).toBe(0);

    const allowed = await sendWebhook({ url, headers, body, policy: local, lookup: resolvesTo('127.0.0.1') });
    expect(allowed).toMatchObject({ ok: true });
  });

  it.each([
    ['ftp://hooks.shop.test:PORT/', local],
    ['http://hooks.shop.test:22/', local],
    ['http://user:pass@hooks.shop.test:PORT/', local],
    ['http://hooks.shop.test:PORT/', { requireHttps: true, allowLoopback: true }],
  ])('refuses %s before any lookup or connection', async (template, policy) => {
    let lookups = 0;
    const counting: BaseLookup = async () => {
      lookups += 1;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const url = template.replace('PORT', String(server.port));
    expect(await sendWebhook({ url, headers, body, policy, lookup: counting })).toMatchObject({
      ok: false,
      errorClass: 'invalid_url',
    });
    expect(lookups).toBe(0);
    expect(server.connections()).toBe(0);
  });
});

describe('DNS rebinding', () => {
  it('passes registration on a public answer, then is refused at connect time when the name turns to 127.0.0.1', async () => {
    const url = `http://rebind.shop.test:${server.port}/hook`;
    let answer = '93.184.216.34';
    const rebinding: BaseLookup = async () => [{ address: answer, family: 4 }];

    expect(await checkWebhookUrlResolved(url, strict, { lookup: rebinding })).toMatchObject({ ok: true });

    answer = '127.0.0.1';
    const result = await sendWebhook({ url, headers, body, policy: strict, lookup: rebinding });
    expect(result).toMatchObject({ ok: false, statusCode: null, errorClass: 'address_refused' });
    expect(server.connections()).toBe(0);

    // Control: the same rebound name does reach the server when loopback is allowed.
    expect(await sendWebhook({ url, headers, body, policy: local, lookup: rebinding })).toMatchObject({
      ok: true,
    });
    expect(server.requests).toHaveLength(1);
  });
});
