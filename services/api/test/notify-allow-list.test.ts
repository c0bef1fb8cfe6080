import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedSource, cidrList, clientAddress } from '../src/notify/source-allow-list.ts';
import { testApp } from './support/fixtures.ts';

describe('notification source allow-list', () => {
  const wechat = cidrList(['203.0.113.0/24', '2001:db8::/32']);
  const proxies = cidrList(['10.0.0.0/8']);

  it('matches IPv4, IPv6 and IPv4-mapped IPv6 addresses against the CIDRs', () => {
    expect(allowedSource(wechat, '203.0.113.9')).toBe(true);
    expect(allowedSource(wechat, '::ffff:203.0.113.9')).toBe(true);
    expect(allowedSource(wechat, '2001:db8::1')).toBe(true);
    expect(allowedSource(wechat, '198.51.100.1')).toBe(false);
    expect(allowedSource(wechat, undefined)).toBe(false);
    expect(allowedSource(undefined, undefined)).toBe(true); // no list: signatures alone decide
  });

  it('believes X-Forwarded-For only from a trusted proxy, taking the right-most untrusted hop', () => {
    expect(clientAddress('10.1.2.3', '198.51.100.7, 203.0.113.9', proxies)).toBe('203.0.113.9');
    expect(clientAddress('10.1.2.3', '203.0.113.9, 10.4.4.4', proxies)).toBe('203.0.113.9');
    // From anyone else the header is ignored: a payer could write anything in it.
    expect(clientAddress('198.51.100.1', '203.0.113.9', proxies)).toBe('198.51.100.1');
    expect(clientAddress('10.1.2.3', '203.0.113.9', undefined)).toBe('10.1.2.3');
  });

  it('refuses malformed CIDRs at start-up', () => {
    expect(() => cidrList(['not-an-ip/8'])).toThrow();
  });
});

describe('POST /notify with an allow-list configured', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(() => tdb.close());

  it('refuses a source outside the list with the provider failure answer, before any verification', async () => {
    const { app } = testApp(tdb, {
      config: {
        jwtAudience: 'paymux',
        maxBodyBytes: 65_536,
        publicUrl: 'http://127.0.0.1:9',
        notifyAllowCidrs: { alipay: ['203.0.113.0/24'] },
      },
    });
    // app.request has no socket: the source is unknown, so it is outside every list.
    const res = await app.request('/notify/alipay/mca_00000000000000000000000000', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'notify_id=1&sign=x',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('failure');
    expect(await tdb.owner.selectFrom('provider_notifications').selectAll().execute()).toEqual([]);
  });
});
