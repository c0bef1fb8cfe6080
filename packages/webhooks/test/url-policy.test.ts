import { describe, expect, it } from 'vitest';
import {
  type BaseLookup,
  checkWebhookUrl,
  checkWebhookUrlResolved,
  refusedAddressReason,
  type UrlCheck,
  type UrlPolicy,
} from '../src/index.ts';
import { REFUSED_ADDRESSES } from './support/ssrf-matrix.ts';

const strict: UrlPolicy = { requireHttps: false, allowLoopback: false };
const development: UrlPolicy = { requireHttps: false, allowLoopback: true };
const production: UrlPolicy = { requireHttps: true, allowLoopback: false };

function codeOf(check: UrlCheck): string {
  return check.ok ? 'ok' : check.code;
}

describe('refusedAddressReason', () => {
  it.each(REFUSED_ADDRESSES)('refuses %s as %s', (address, reason) => {
    expect(refusedAddressReason(address, { allowLoopback: false })).toBe(reason);
  });

  it.each([
    ['192.0.2.1', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['64:ff9b::7f00:1', 'nat64'],
    ['2001::1', 'teredo'],
    ['2002:7f00:1::', '6to4'],
    ['::127.0.0.1', 'reserved'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'metadata'],
    ['::FFFF:7F00:1', 'loopback'],
    ['fe80::1%eth0', 'link_local'],
    ['100.100.100.200', 'metadata'],
    ['not-an-ip', 'invalid'],
  ])('refuses %s as %s', (address, reason) => {
    expect(refusedAddressReason(address, { allowLoopback: false })).toBe(reason);
  });

  it.each([
    '93.184.216.34',
    '1.1.1.1',
    '8.8.8.8',
    '::ffff:8.8.8.8',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
  ])('allows the public address %s', (address) => {
    expect(refusedAddressReason(address, { allowLoopback: false })).toBeUndefined();
  });

  it('allows loopback only with allowLoopback, and nothing else with it', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      expect(refusedAddressReason(address, { allowLoopback: true }), address).toBeUndefined();
    }
    for (const [address, reason] of REFUSED_ADDRESSES.filter(([, r]) => r !== 'loopback')) {
      expect(refusedAddressReason(address, { allowLoopback: true }), address).toBe(reason);
    }
  });
});

describe('checkWebhookUrl (registration, no DNS)', () => {
  it.each(REFUSED_ADDRESSES)('refuses a URL whose host is %s', (address) => {
    const host = address.includes(':') ? `[${address}]` : address;
    const check = checkWebhookUrl(`http://${host}/hooks`, strict);
    expect(check).toMatchObject({ ok: false, code: 'address_not_allowed' });
  });

  it.each([
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://[::ffff:7f00:1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://0/',
    'http://0xa9fea9fe/', // 169.254.169.254
    'http://localhost/',
    'http://LOCALHOST./',
    'http://api.localhost:8080/',
  ])('refuses %s, whatever the encoding', (url) => {
    expect(codeOf(checkWebhookUrl(url, strict))).toBe('address_not_allowed');
  });

  it.each([
    'ftp://example.com/',
    'file:///etc/passwd',
    'gopher://example.com/',
    'javascript:alert(1)',
    'ws://example.com/',
  ])('refuses the scheme of %s', (url) => {
    expect(codeOf(checkWebhookUrl(url, strict))).toBe('scheme_not_allowed');
  });

  it.each([
    'http://example.com:22/',
    'http://example.com:25/',
    'http://example.com:0/',
    'https://example.com:1023/',
  ])('refuses the port of %s', (url) => {
    expect(codeOf(checkWebhookUrl(url, strict))).toBe('port_not_allowed');
  });

  it.each([
    'http://example.com/',
    'https://example.com:443/',
    'http://example.com:1024/',
    'https://example.com:65535/',
  ])('allows the port of %s', (url) => {
    expect(codeOf(checkWebhookUrl(url, strict))).toBe('ok');
  });

  it('refuses credentials in the URL', () => {
    expect(codeOf(checkWebhookUrl('https://user:pass@example.com/', strict))).toBe('credentials_in_url');
    expect(codeOf(checkWebhookUrl('https://user@example.com/', strict))).toBe('credentials_in_url');
  });

  it('requires https when the policy says so', () => {
    expect(codeOf(checkWebhookUrl('http://example.com/hooks', production))).toBe('scheme_not_allowed');
    expect(codeOf(checkWebhookUrl('https://example.com/hooks', production))).toBe('ok');
  });

  it('refuses what does not parse or is longer than 2048 characters', () => {
    expect(codeOf(checkWebhookUrl('not a url', strict))).toBe('invalid_url');
    expect(codeOf(checkWebhookUrl('http://', strict))).toBe('invalid_url');
    const long = `https://example.com/${'a'.repeat(2048)}`;
    expect(codeOf(checkWebhookUrl(long, strict))).toBe('invalid_url');
    expect(codeOf(checkWebhookUrl(long.slice(0, 2048), strict))).toBe('ok');
  });

  it('returns the parsed URL of an accepted endpoint', () => {
    const check = checkWebhookUrl('https://Shop.Example/hooks?tenant=1', production);
    expect(check.ok && check.url.href).toBe('https://shop.example/hooks?tenant=1');
    expect(codeOf(checkWebhookUrl('https://93.184.216.34/hooks', production))).toBe('ok');
    expect(codeOf(checkWebhookUrl('https://[2606:4700:4700::1111]/hooks', production))).toBe('ok');
  });

  it('with allowLoopback accepts 127.0.0.1, ::1 and localhost, but still refuses the rest', () => {
    for (const url of ['http://127.0.0.1:3000/', 'http://[::1]:3000/', 'http://localhost:3000/']) {
      expect(codeOf(checkWebhookUrl(url, development)), url).toBe('ok');
    }
    for (const url of [
      'http://10.0.0.1/',
      'http://169.254.169.254/',
      'http://[fd00:ec2::254]/',
      'http://0.0.0.0/',
    ]) {
      expect(codeOf(checkWebhookUrl(url, development)), url).toBe('address_not_allowed');
    }
  });
});

describe('checkWebhookUrlResolved (registration, with DNS)', () => {
  const resolvesTo =
    (...addresses: string[]): BaseLookup =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('accepts a name that resolves to public addresses only', async () => {
    const check = await checkWebhookUrlResolved('https://hooks.shop.test/', production, {
      lookup: resolvesTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'),
    });
    expect(codeOf(check)).toBe('ok');
  });

  it('refuses a name if ANY address is refused, without echoing the address', async () => {
    const check = await checkWebhookUrlResolved('https://hooks.shop.test/', production, {
      lookup: resolvesTo('93.184.216.34', '10.1.2.3'),
    });
    expect(check).toMatchObject({ ok: false, code: 'address_not_allowed' });
    expect(check.ok ? '' : check.message).toContain('private');
    expect(check.ok ? '' : check.message).not.toContain('10.1.2.3');
  });

  it('accepts when resolution fails or times out (the connect-time guard still applies)', async () => {
    const failing: BaseLookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(
      codeOf(await checkWebhookUrlResolved('https://new.shop.test/', production, { lookup: failing })),
    ).toBe('ok');

    const hanging: BaseLookup = () => new Promise(() => {});
    const started = Date.now();
    const check = await checkWebhookUrlResolved('https://slow.shop.test/', production, {
      lookup: hanging,
      timeoutMs: 50,
    });
    expect(codeOf(check)).toBe('ok');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not resolve an IP literal or a URL already refused', async () => {
    let lookups = 0;
    const counting: BaseLookup = async () => {
      lookups += 1;
      return [];
    };
    expect(
      codeOf(await checkWebhookUrlResolved('https://93.184.216.34/', production, { lookup: counting })),
    ).toBe('ok');
    expect(codeOf(await checkWebhookUrlResolved('http://shop.test/', production, { lookup: counting }))).toBe(
      'scheme_not_allowed',
    );
    expect(lookups).toBe(0);
  });
});
