import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  generateWebhookSecret,
  isWebhookSecret,
  signWebhook,
  type WebhookHeaders,
  webhookBody,
  webhookSecretKey,
} from '../src/index.ts';

// The published Standard Webhooks verifier checks our output, so a shared bug cannot hide in both sides.
function verifiedBy(secret: string, body: Buffer, headers: WebhookHeaders): unknown {
  return new Webhook(secret).verify(body, headers);
}

const event = {
  id: 'evt_01jd4q6x2m9k3f8r7t5v0w1y2z',
  type: 'payment.succeeded',
  createdAt: new Date('2026-11-26T08:30:00.123Z'),
  data: { paymentId: 'pay_01jd4q6x2m9k3f8r7t5v0w1y2z', amount: '12.50', currency: 'CNY' },
};

describe('Standard Webhooks conformance (checked by the standardwebhooks npm library)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reproduces the spec known-answer vector', () => {
    const headers = signWebhook({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: new Date(1614265330 * 1000),
      body: '{"test": 2432232314}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    });
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
    // The library's ±300 s window is anchored on Date.now(), so move the clock to the vector's time.
    vi.useFakeTimers({ now: 1614265330 * 1000 + 10_000, toFake: ['Date'] });
    expect(
      verifiedBy('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', Buffer.from('{"test": 2432232314}'), headers),
    ).toEqual({
      test: 2432232314,
    });
  });

  it('signs a normal event the library accepts, returning the same payload', () => {
    const secret = generateWebhookSecret();
    const body = webhookBody(event);
    const headers = signWebhook({ id: event.id, timestamp: new Date(), body, secrets: [secret] });
    expect(verifiedBy(secret, body, headers)).toEqual({
      id: event.id,
      type: event.type,
      timestamp: '2026-11-26T08:30:00.123Z',
      data: event.data,
    });
  });

  it('signs the UTF-8 bytes of CJK and emoji, as sent', () => {
    const secret = generateWebhookSecret();
    const body = webhookBody({ ...event, data: { subject: '支付成功 🎉', payer: '张三' } });
    expect(body.toString('utf8')).toContain('支付成功 🎉');
    const headers = signWebhook({ id: event.id, timestamp: new Date(), body, secrets: [secret] });
    expect(verifiedBy(secret, body, headers)).toMatchObject({ data: { subject: '支付成功 🎉' } });
    // The same text as a string signs identically: both are its UTF-8 bytes.
    expect(
      signWebhook({ id: event.id, timestamp: new Date(), body: body.toString('utf8'), secrets: [secret] }),
    ).toEqual(headers);
  });

  it('during rotation, a consumer with only the old or only the new secret verifies; another secret does not', () => {
    const [current, previous, unrelated] = [
      generateWebhookSecret(),
      generateWebhookSecret(),
      generateWebhookSecret(),
    ];
    const body = webhookBody(event);
    const headers = signWebhook({ id: event.id, timestamp: new Date(), body, secrets: [current, previous] });
    const entries = headers['webhook-signature'].split(' ');
    expect(entries).toHaveLength(2);
    for (const entry of entries) expect(entry).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);

    expect(verifiedBy(previous, body, headers)).toMatchObject({ id: event.id });
    expect(verifiedBy(current, body, headers)).toMatchObject({ id: event.id });
    expect(() => verifiedBy(unrelated, body, headers)).toThrow(WebhookVerificationError);
  });

  it('is rejected by the library when the body or the timestamp is tampered with', () => {
    const secret = generateWebhookSecret();
    const body = webhookBody(event);
    const headers = signWebhook({ id: event.id, timestamp: new Date(), body, secrets: [secret] });
    const tampered = Buffer.from(body.toString('utf8').replace('12.50', '1250.00'));
    expect(() => verifiedBy(secret, tampered, headers)).toThrow(WebhookVerificationError);
    const later = String(Number(headers['webhook-timestamp']) + 1);
    expect(() => verifiedBy(secret, body, { ...headers, 'webhook-timestamp': later })).toThrow(
      WebhookVerificationError,
    );
  });

  it('uses the attempt timestamp in whole Unix seconds', () => {
    const headers = signWebhook({
      id: 'evt_1',
      timestamp: new Date('2026-11-26T08:30:00.999Z'),
      body: '{}',
      secrets: [generateWebhookSecret()],
    });
    expect(headers['webhook-timestamp']).toBe(String(Date.UTC(2026, 10, 26, 8, 30) / 1000));
  });

  it('refuses an id with ".", no secrets, or a malformed secret, without echoing the secret', () => {
    const base = { id: 'evt_1', timestamp: new Date(), body: '{}', secrets: [generateWebhookSecret()] };
    expect(() => signWebhook({ ...base, id: 'evt.1' })).toThrow(TypeError);
    expect(() => signWebhook({ ...base, id: '' })).toThrow(TypeError);
    expect(() => signWebhook({ ...base, secrets: [] })).toThrow(TypeError);
    const leaked = 'whsec_not-base64-SENSITIVE';
    let thrown: unknown;
    try {
      signWebhook({ ...base, secrets: [generateWebhookSecret(), leaked] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(String(thrown)).toContain('#1 is malformed');
    expect(String(thrown)).not.toContain('SENSITIVE');
  });
});

describe('webhookBody', () => {
  it('writes id, type, timestamp, data in that order', () => {
    const body = webhookBody({ ...event, data: { z: 1, a: 2 } });
    expect(body.toString('utf8')).toBe(
      '{"id":"evt_01jd4q6x2m9k3f8r7t5v0w1y2z","type":"payment.succeeded","timestamp":"2026-11-26T08:30:00.123Z","data":{"z":1,"a":2}}',
    );
  });

  it('gives the same bytes for the same input, whatever order the caller built the object in', () => {
    const reordered = { data: event.data, createdAt: event.createdAt, type: event.type, id: event.id };
    expect(webhookBody(event).equals(webhookBody(reordered))).toBe(true);
    expect(webhookBody(event).equals(webhookBody({ ...event }))).toBe(true);
  });

  it('keeps the data key when data is undefined', () => {
    expect(JSON.parse(webhookBody({ ...event, data: undefined }).toString())).toHaveProperty('data', null);
  });
});

describe('webhook secrets', () => {
  it('generates whsec_ + base64 of 32 random bytes, accepted by the library', () => {
    const secrets = Array.from({ length: 50 }, generateWebhookSecret);
    expect(new Set(secrets).size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(isWebhookSecret(secret)).toBe(true);
      expect(webhookSecretKey(secret)).toHaveLength(32);
      expect(() => new Webhook(secret)).not.toThrow();
    }
  });

  it('accepts 24..64 bytes of canonical base64 after whsec_, nothing else', () => {
    const of = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;
    expect(isWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe(true);
    expect(isWebhookSecret(of(24))).toBe(true);
    expect(isWebhookSecret(of(64))).toBe(true);
    for (const bad of [
      of(23),
      of(65),
      of(32).slice('whsec_'.length),
      `whsk_${of(32).slice(6)}`,
      'whsec_',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS', // not a multiple of 4
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS-', // base64url alphabet
      `${of(32)} `,
    ]) {
      expect(isWebhookSecret(bad), bad).toBe(false);
    }
  });
});
