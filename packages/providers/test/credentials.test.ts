import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
} from 'node:crypto';
import type { FieldError } from '@paymux/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CredentialCheck,
  checkAlipayCredentials,
  checkWechatpayCredentials,
  type ValidatedCredentials,
} from '../src/index.ts';
import { testAlipayCredentials, testCertificate, testWechatpayCredentials } from '../src/testing/index.ts';

type WechatInput = Awaited<ReturnType<typeof testWechatpayCredentials>>;
type TestCert = Awaited<ReturnType<typeof testCertificate>>;

function valid<T>(check: CredentialCheck<T>): ValidatedCredentials<T> {
  if (!check.ok) throw new Error(`expected valid credentials, got ${JSON.stringify(check.fields)}`);
  return check.value;
}

function fieldErrors<T>(check: CredentialCheck<T>): FieldError[] {
  if (check.ok) throw new Error('expected field errors, got valid credentials');
  expect(check.fields.length).toBeGreaterThan(0);
  return check.fields;
}

function paths<T>(check: CredentialCheck<T>): string[] {
  return fieldErrors(check).map((f) => f.path);
}

/** The same key, whatever its encoding: compares the PKCS#8 DER. */
function samePrivateKey(a: string, b: string): boolean {
  const der = (pem: string) => createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return der(a).equals(der(b));
}

function spkiFingerprint(key: string): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/** A PEM's base64 body without armour or line breaks, as Alipay's console shows keys. */
function bareBody(pem: string): string {
  return pem
    .replace(/-----(BEGIN|END) [A-Z ]+-----/g, '')
    .replace(/\s+/g, '')
    .trim();
}

const toPkcs1 = (pem: string) => createPrivateKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString();

const PKCS8_PEM = /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/;
const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/;
const DAY = 86_400_000;

let wechat: WechatInput;
let otherCert: TestCert;

beforeAll(async () => {
  wechat = await testWechatpayCredentials();
  otherCert = await testCertificate();
});

describe('checkWechatpayCredentials', () => {
  it('accepts generated credentials and returns identifiers, fingerprints and the certificate expiry', () => {
    const result = valid(checkWechatpayCredentials(wechat));
    expect(result.identifiers).toEqual({
      mchid: wechat.mchid,
      appid: wechat.appid,
      merchant_serial_no: wechat.merchant_serial_no,
      wechatpay_public_key_id: wechat.wechatpay_public_key_id,
    });
    const cert = new X509Certificate(wechat.merchant_certificate as string);
    expect(result.fingerprints.merchant_private_key).toBe(
      spkiFingerprint(cert.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    );
    expect(result.fingerprints.wechatpay_public_key).toBe(
      spkiFingerprint(wechat.wechatpay_public_key as string),
    );
    expect(result.fingerprints.apiv3_key).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(result.certificateExpiresAt?.getTime()).toBe(new Date(cert.validTo).getTime());
    // testCertificate: valid for 365 days from yesterday.
    expect(Math.abs((result.certificateExpiresAt?.getTime() ?? 0) - (Date.now() + 364 * DAY))).toBeLessThan(
      60_000,
    );
  });

  it('normalises the secret: PKCS#8 private key, SPKI public key, upper-case serial', () => {
    const { secret } = valid(
      checkWechatpayCredentials({ ...wechat, merchant_serial_no: wechat.merchant_serial_no?.toLowerCase() }),
    );
    expect(secret.merchant_private_key).toMatch(PKCS8_PEM);
    expect(samePrivateKey(secret.merchant_private_key, wechat.merchant_private_key)).toBe(true);
    expect(secret.wechatpay_public_key).toMatch(SPKI_PEM);
    expect(secret.merchant_serial_no).toBe(wechat.merchant_serial_no);
    expect(secret.apiv3_key).toBe(wechat.apiv3_key);
    expect(secret).not.toHaveProperty('platform_certificates');
  });

  it('accepts a PKCS#1 ("RSA PRIVATE KEY") merchant key and stores it as PKCS#8', () => {
    const pkcs1 = toPkcs1(wechat.merchant_private_key);
    expect(pkcs1).toContain('-----BEGIN RSA PRIVATE KEY-----');
    const result = valid(checkWechatpayCredentials({ ...wechat, merchant_private_key: pkcs1 }));
    expect(result.secret.merchant_private_key).toMatch(PKCS8_PEM);
    expect(samePrivateKey(result.secret.merchant_private_key, wechat.merchant_private_key)).toBe(true);
    expect(result.fingerprints.merchant_private_key).toBe(
      valid(checkWechatpayCredentials(wechat)).fingerprints.merchant_private_key,
    );
  });

  it('accepts a serial number without a certificate (no expiry is known then)', () => {
    const { merchant_certificate: _cert, ...rest } = wechat;
    const result = valid(checkWechatpayCredentials(rest));
    expect(result.identifiers.merchant_serial_no).toBe(wechat.merchant_serial_no);
    expect(result.certificateExpiresAt).toBeNull();
    expect(result.secret).not.toHaveProperty('merchant_certificate');
  });

  it('refuses a missing serial when no certificate is given', () => {
    const { merchant_certificate: _c, merchant_serial_no: _s, ...rest } = wechat;
    expect(paths(checkWechatpayCredentials(rest))).toEqual(['credentials.merchant_serial_no']);
  });

  it('refuses malformed PEM, naming each field', () => {
    const broken = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n';
    expect(paths(checkWechatpayCredentials({ ...wechat, merchant_private_key: broken }))).toEqual([
      'credentials.merchant_private_key',
    ]);
    // A truncated key (half its body missing) is not a key either.
    const truncated = wechat.merchant_private_key.slice(0, 400);
    expect(paths(checkWechatpayCredentials({ ...wechat, merchant_private_key: truncated }))).toContain(
      'credentials.merchant_private_key',
    );
    expect(
      paths(
        checkWechatpayCredentials({
          ...wechat,
          merchant_certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        }),
      ),
    ).toEqual(['credentials.merchant_certificate']);
    expect(paths(checkWechatpayCredentials({ ...wechat, wechatpay_public_key: 'not a public key' }))).toEqual(
      ['credentials.wechatpay_public_key'],
    );
  });

  it('refuses a private key that does not match merchant_certificate', () => {
    const errors = fieldErrors(
      checkWechatpayCredentials({ ...wechat, merchant_private_key: otherCert.privateKey }),
    );
    expect(errors).toEqual([
      { path: 'credentials.merchant_private_key', message: 'does not match merchant_certificate' },
    ]);
  });

  for (const [label, key, bytes] of [
    ['31 bytes', 'a'.repeat(31), 31],
    ['33 bytes', 'a'.repeat(33), 33],
    ['32 characters but 33 bytes of UTF-8', `é${'a'.repeat(31)}`, 33],
    ['32 characters but 34 bytes of UTF-8', `秘${'a'.repeat(31)}`, 34],
  ] as const) {
    it(`refuses an APIv3 key of ${label}`, () => {
      expect(key.length).toBe(label.startsWith('32 characters') ? 32 : bytes);
      const errors = fieldErrors(checkWechatpayCredentials({ ...wechat, apiv3_key: key }));
      expect(errors).toEqual([
        { path: 'credentials.apiv3_key', message: `must be exactly 32 bytes (got ${bytes})` },
      ]);
    });
  }

  it('refuses a merchant_serial_no that is not the certificate serial', () => {
    const errors = fieldErrors(
      checkWechatpayCredentials({ ...wechat, merchant_serial_no: otherCert.serialNo }),
    );
    expect(errors.map((e) => e.path)).toEqual(['credentials.merchant_serial_no']);
    // The message helps: it names the certificate's real serial (public information).
    expect(errors[0]?.message).toContain(wechat.merchant_serial_no);
  });

  it('refuses credentials with no way to verify WeChat Pay (neither public key nor platform certificates)', () => {
    const { wechatpay_public_key: _k, wechatpay_public_key_id: _id, ...rest } = wechat;
    expect(paths(checkWechatpayCredentials(rest))).toEqual(['credentials.wechatpay_public_key']);
    // Half of the pair is not enough either.
    const { wechatpay_public_key_id: _only, ...keyOnly } = wechat;
    expect(paths(checkWechatpayCredentials(keyOnly))).toEqual(['credentials.wechatpay_public_key_id']);
    const { wechatpay_public_key: _onlyKey, ...idOnly } = wechat;
    expect(paths(checkWechatpayCredentials(idOnly))).toEqual(['credentials.wechatpay_public_key']);
  });

  for (const id of [
    'PUB_KEY_ID_12',
    'PUB_KEY_ID_abc0123456789',
    'pub_key_id_0114232024081500000000000000',
    '0114232024081500000000000000',
  ]) {
    it(`refuses the public key id ${JSON.stringify(id)}`, () => {
      expect(paths(checkWechatpayCredentials({ ...wechat, wechatpay_public_key_id: id }))).toEqual([
        'credentials.wechatpay_public_key_id',
      ]);
    });
  }

  it('names an unknown field', () => {
    const errors = fieldErrors(checkWechatpayCredentials({ ...wechat, api_v3_key: wechat.apiv3_key }));
    expect(errors).toEqual([{ path: 'credentials.api_v3_key', message: 'unknown field' }]);
  });

  it('names missing and mistyped required fields', () => {
    const { mchid: _m, ...noMchid } = wechat;
    expect(paths(checkWechatpayCredentials(noMchid))).toEqual(['credentials.mchid']);
    expect(paths(checkWechatpayCredentials({ ...wechat, appid: 'wx123' }))).toEqual(['credentials.appid']);
    expect(paths(checkWechatpayCredentials({ ...wechat, apiv3_key: 32 }))).toEqual(['credentials.apiv3_key']);
    expect(paths(checkWechatpayCredentials('not an object'))).toEqual(['credentials']);
  });

  it('refuses an EC key where an RSA key is required', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ecPrivate = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ecPublic = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(paths(checkWechatpayCredentials({ ...wechat, merchant_private_key: ecPrivate }))).toEqual([
      'credentials.merchant_private_key',
    ]);
    expect(paths(checkWechatpayCredentials({ ...wechat, wechatpay_public_key: ecPublic }))).toEqual([
      'credentials.wechatpay_public_key',
    ]);
  });

  it('reports every bad field at once', () => {
    const result = paths(
      checkWechatpayCredentials({
        ...wechat,
        apiv3_key: 'short',
        merchant_private_key: otherCert.privateKey,
        wechatpay_public_key_id: 'nope',
      }),
    );
    expect(result.sort()).toEqual(
      [
        'credentials.apiv3_key',
        'credentials.merchant_private_key',
        'credentials.wechatpay_public_key_id',
      ].sort(),
    );
  });

  describe('platform certificate mode', () => {
    let platformSoon: TestCert;
    let platformLater: TestCert;
    let base: Omit<WechatInput, 'wechatpay_public_key' | 'wechatpay_public_key_id'>;

    beforeAll(async () => {
      platformSoon = await testCertificate({ validDays: 30, commonName: 'Tenpay platform 1' });
      platformLater = await testCertificate({ validDays: 800, commonName: 'Tenpay platform 2' });
      const { wechatpay_public_key: _k, wechatpay_public_key_id: _id, ...rest } = wechat;
      base = rest;
    });

    it('accepts platform certificates, shows their serials and takes the earliest expiry', () => {
      const result = valid(
        checkWechatpayCredentials({
          ...base,
          platform_certificates: [platformLater.certificate, platformSoon.certificate],
        }),
      );
      expect(result.identifiers.platform_serial_nos).toEqual([platformLater.serialNo, platformSoon.serialNo]);
      expect(result.identifiers).not.toHaveProperty('wechatpay_public_key_id');
      expect(result.fingerprints[`platform_certificate_${platformSoon.serialNo}`]).toBe(
        spkiFingerprint(platformSoon.certificate),
      );
      expect(result.fingerprints[`platform_certificate_${platformLater.serialNo}`]).toBe(
        spkiFingerprint(platformLater.certificate),
      );
      const soon = new Date(new X509Certificate(platformSoon.certificate).validTo);
      expect(result.certificateExpiresAt?.getTime()).toBe(soon.getTime());
      expect(result.secret.platform_certificates?.map((p) => p.serial_no)).toEqual([
        platformLater.serialNo,
        platformSoon.serialNo,
      ]);
      expect(result.secret).not.toHaveProperty('wechatpay_public_key');
    });

    it('takes the merchant certificate expiry when it is the earliest', async () => {
      const merchant = await testCertificate({ validDays: 10 });
      const result = valid(
        checkWechatpayCredentials({
          ...base,
          merchant_private_key: merchant.privateKey,
          merchant_certificate: merchant.certificate,
          merchant_serial_no: merchant.serialNo,
          platform_certificates: [platformSoon.certificate, platformLater.certificate],
        }),
      );
      expect(result.certificateExpiresAt?.getTime()).toBe(
        new Date(new X509Certificate(merchant.certificate).validTo).getTime(),
      );
    });

    it('refuses a malformed platform certificate by its index', () => {
      expect(
        paths(
          checkWechatpayCredentials({
            ...base,
            platform_certificates: [platformSoon.certificate, 'garbage'],
          }),
        ),
      ).toEqual(['credentials.platform_certificates.1']);
    });

    it('refuses an empty platform certificate list', () => {
      expect(paths(checkWechatpayCredentials({ ...base, platform_certificates: [] }))).toEqual([
        'credentials.platform_certificates',
      ]);
    });
  });
});

describe('checkAlipayCredentials', () => {
  it('accepts generated credentials: app_id as identifier, both keys fingerprinted, no expiry', () => {
    const input = testAlipayCredentials();
    const result = valid(checkAlipayCredentials(input));
    expect(result.identifiers).toEqual({ app_id: input.app_id });
    expect(result.fingerprints).toEqual({
      app_private_key: spkiFingerprint(input.app_private_key),
      alipay_public_key: spkiFingerprint(input.alipay_public_key),
    });
    expect(result.certificateExpiresAt).toBeNull();
    expect(result.secret.app_private_key).toMatch(PKCS8_PEM);
    expect(result.secret.alipay_public_key).toMatch(SPKI_PEM);
    expect(samePrivateKey(result.secret.app_private_key, input.app_private_key)).toBe(true);
  });

  it('accepts keys as bare base64 bodies, as Alipay’s console shows them (PKCS#8 and PKCS#1)', () => {
    const input = testAlipayCredentials();
    const expected = valid(checkAlipayCredentials(input));
    for (const privateKey of [bareBody(input.app_private_key), bareBody(toPkcs1(input.app_private_key))]) {
      expect(privateKey).not.toContain('-----');
      const result = valid(
        checkAlipayCredentials({
          ...input,
          app_private_key: privateKey,
          alipay_public_key: bareBody(input.alipay_public_key),
        }),
      );
      expect(result.secret).toEqual(expected.secret);
      expect(result.fingerprints).toEqual(expected.fingerprints);
    }
  });

  it('accepts a PKCS#1 PEM app key and stores it as PKCS#8', () => {
    const input = testAlipayCredentials();
    const result = valid(
      checkAlipayCredentials({ ...input, app_private_key: toPkcs1(input.app_private_key) }),
    );
    expect(result.secret.app_private_key).toMatch(PKCS8_PEM);
    expect(samePrivateKey(result.secret.app_private_key, input.app_private_key)).toBe(true);
  });

  it('refuses malformed keys, naming each field', () => {
    const input = testAlipayCredentials();
    expect(
      paths(
        checkAlipayCredentials({ ...input, app_private_key: 'bm90IGEga2V5', alipay_public_key: 'x' }),
      ).sort(),
    ).toEqual(['credentials.alipay_public_key', 'credentials.app_private_key']);
  });

  it('refuses an EC key where an RSA key is required', () => {
    const input = testAlipayCredentials();
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(
      paths(
        checkAlipayCredentials({
          ...input,
          app_private_key: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        }),
      ),
    ).toEqual(['credentials.app_private_key']);
    expect(
      paths(
        checkAlipayCredentials({
          ...input,
          alipay_public_key: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        }),
      ),
    ).toEqual(['credentials.alipay_public_key']);
  });

  it('refuses a malformed app_id and names an unknown field', () => {
    const input = testAlipayCredentials();
    expect(paths(checkAlipayCredentials({ ...input, app_id: '2021abc' }))).toEqual(['credentials.app_id']);
    expect(
      fieldErrors(checkAlipayCredentials({ ...input, app_public_key: input.alipay_public_key })),
    ).toEqual([{ path: 'credentials.app_public_key', message: 'unknown field' }]);
  });
});
