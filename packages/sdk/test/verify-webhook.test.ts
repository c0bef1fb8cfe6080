import { randomBytes } from 'node:crypto';
import { WebhookVerificationError as StandardWebhookVerificationError, Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, WebhookVerificationError } from '../src/index.ts';

// Known-answer vector from the Standard Webhooks reference libraries (libraries/go/webhook_test.go).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const atVectorTime = { now: () => new Date(VECTOR.timestamp * 1000) };
const vectorHeaders = (signature = VECTOR.signature) => ({
  'webhook-id': VECTOR.id,
  'webhook-timestamp': String(VECTOR.timestamp),
  'webhook-signature': signature,
});

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function failure(fn: () => unknown): WebhookVerificationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error;
    throw error;
  }
  throw new Error('expected a WebhookVerificationError');
}

describe('verifyWebhook: the Standard Webhooks known-answer vector', () => {
  it('signs the vector to the published signature', () => {
    expect(signWebhook(VECTOR.secret, VECTOR)).toBe(VECTOR.signature);
  });

  it('accepts the vector and returns the parsed body', () => {
    expect(verifyWebhook(VECTOR.body, vectorHeaders(), VECTOR.secret, atVectorTime)).toEqual({
      test: 2432232314,
    });
  });

  it('accepts the same bytes as a Buffer, and headers as a Fetch Headers object', () => {
    const event = verifyWebhook(
      Buffer.from(VECTOR.body),
      new Headers(vectorHeaders()),
      VECTOR.secret,
      atVectorTime,
    );
    expect(event).toEqual({ test: 2432232314 });
  });

  it('finds headers whatever their case in a hand-built object', () => {
    const headers = {
      'Webhook-Id': VECTOR.id,
      'WEBHOOK-TIMESTAMP': String(VECTOR.timestamp),
      'Webhook-Signature': VECTOR.signature,
    };
    expect(verifyWebhook(VECTOR.body, headers, VECTOR.secret, atVectorTime)).toEqual({ test: 2432232314 });
  });

  it('rejects the vector once the default 300 s tolerance has passed, either way', () => {
    const late = { now: () => new Date((VECTOR.timestamp + 301) * 1000) };
    const early = { now: () => new Date((VECTOR.timestamp - 301) * 1000) };
    expect(failure(() => verifyWebhook(VECTOR.body, vectorHeaders(), VECTOR.secret, late)).reason).toBe(
      'timestamp_too_old',
    );
    expect(failure(() => verifyWebhook(VECTOR.body, vectorHeaders(), VECTOR.secret, early)).reason).toBe(
      'timestamp_too_new',
    );
    const edge = { now: () => new Date((VECTOR.timestamp + 300) * 1000) };
    expect(verifyWebhook(VECTOR.body, vectorHeaders(), VECTOR.secret, edge)).toEqual({ test: 2432232314 });
  });

  it('honours a custom tolerance', () => {
    const later = { now: () => new Date((VECTOR.timestamp + 1000) * 1000) };
    expect(() => verifyWebhook(VECTOR.body, vectorHeaders(), VECTOR.secret, later)).toThrow(
      WebhookVerificationError,
    );
    expect(
      verifyWebhook(VECTOR.body, vectorHeaders(), VECTOR.secret, { ...later, toleranceSeconds: 1000 }),
    ).toEqual({ test: 2432232314 });
  });
});

describe('verifyWebhook: round trips with the published standardwebhooks package', () => {
  it('verifies what standardwebhooks signs', () => {
    const secret = newSecret();
    const id = 'evt_roundtrip_1';
    const timestamp = nowSeconds();
    const body = JSON.stringify({
      id,
      type: 'payment.succeeded',
      timestamp: new Date().toISOString(),
      data: {},
    });
    const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
    const event = verifyWebhook(
      body,
      { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
      secret,
    );
    expect(event.type).toBe('payment.succeeded');
  });

  it('signs what standardwebhooks verifies', () => {
    const secret = newSecret();
    const id = 'evt_roundtrip_2';
    const timestamp = nowSeconds();
    const body = JSON.stringify({ id, type: 'refund.succeeded', data: { amount: 100 } });
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secret, { id, timestamp, body }),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('agrees with standardwebhooks on a CJK and emoji body, byte for byte', () => {
    const secret = newSecret();
    const id = 'evt_unicode';
    const timestamp = nowSeconds();
    const body = JSON.stringify({
      id,
      type: 'payment.succeeded',
      data: { description: '乌龙茶 🍵 — ¥1.00 ✓' },
    });
    const ours = signWebhook(secret, { id, timestamp, body });
    expect(new Webhook(secret).sign(id, new Date(timestamp * 1000), body)).toBe(ours);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': ours };
    expect(verifyWebhook(body, headers, secret).data).toEqual({ description: '乌龙茶 🍵 — ¥1.00 ✓' });
    expect(verifyWebhook(Buffer.from(body, 'utf8'), headers, secret).data).toEqual({
      description: '乌龙茶 🍵 — ¥1.00 ✓',
    });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('both refuse a signature made with another secret', () => {
    const id = 'evt_other_secret';
    const timestamp = nowSeconds();
    const body = '{"type":"payment.failed"}';
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(newSecret(), { id, timestamp, body }),
    };
    const secret = newSecret();
    expect(failure(() => verifyWebhook(body, headers, secret)).reason).toBe('no_matching_signature');
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(StandardWebhookVerificationError);
  });
});

describe('verifyWebhook: rotation and refusals', () => {
  const secretA = newSecret();
  const secretB = newSecret();
  const id = 'evt_rotation';
  const timestamp = nowSeconds();
  const body = JSON.stringify({ id, type: 'payment.closed', timestamp: new Date().toISOString(), data: {} });
  const sigA = signWebhook(secretA, { id, timestamp, body });
  const sigB = signWebhook(secretB, { id, timestamp, body });
  const headersWith = (signature: string, ts: number = timestamp) => ({
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': signature,
  });

  it('accepts a space-separated list when any entry matches, during a rotation overlap', () => {
    const both = `${sigA} ${sigB}`;
    expect(verifyWebhook(body, headersWith(both), secretA).id).toBe(id);
    expect(verifyWebhook(body, headersWith(both), secretB).id).toBe(id);
    expect(verifyWebhook(body, headersWith(sigB), [secretA, secretB]).id).toBe(id);
    expect(verifyWebhook(body, headersWith(`v1,bm90IGl0 ${sigA}`), [secretB, secretA]).id).toBe(id);
  });

  it('accepts repeated signature headers (Node gives them as an array)', () => {
    const headers = { ...headersWith(''), 'webhook-signature': [sigB, sigA] };
    expect(verifyWebhook(body, headers, secretA).id).toBe(id);
  });

  it('ignores entries of other versions (v1a) and malformed entries', () => {
    const onlyOthers = `v1a,${sigA.slice(3)} ${sigA.slice(3)} v2,${sigA.slice(3)}`;
    expect(failure(() => verifyWebhook(body, headersWith(onlyOthers), secretA)).reason).toBe(
      'no_matching_signature',
    );
  });

  it('rejects a tampered body, id or timestamp', () => {
    expect(
      failure(() => verifyWebhook(body.replace('closed', 'succeeded'), headersWith(sigA), secretA)).reason,
    ).toBe('no_matching_signature');
    expect(failure(() => verifyWebhook(`${body} `, headersWith(sigA), secretA)).reason).toBe(
      'no_matching_signature',
    );
    expect(
      failure(() => verifyWebhook(body, { ...headersWith(sigA), 'webhook-id': 'evt_other' }, secretA)).reason,
    ).toBe('no_matching_signature');
    expect(failure(() => verifyWebhook(body, headersWith(sigA, timestamp - 1), secretA)).reason).toBe(
      'no_matching_signature',
    );
  });

  it('rejects a wrong secret, and a signature truncated or flipped by one bit', () => {
    expect(failure(() => verifyWebhook(body, headersWith(sigA), secretB)).reason).toBe(
      'no_matching_signature',
    );
    const bytes = Buffer.from(sigA.slice(3), 'base64');
    expect(
      failure(() =>
        verifyWebhook(body, headersWith(`v1,${bytes.subarray(0, 31).toString('base64')}`), secretA),
      ).reason,
    ).toBe('no_matching_signature');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(
      failure(() => verifyWebhook(body, headersWith(`v1,${bytes.toString('base64')}`), secretA)).reason,
    ).toBe('no_matching_signature');
  });

  it('rejects stale and future timestamps even with a valid signature', () => {
    const stale = timestamp - 301;
    const future = timestamp + 301;
    const signedAt = (ts: number) => headersWith(signWebhook(secretA, { id, timestamp: ts, body }), ts);
    // The verifier's clock pinned to `timestamp` (taken when the suite was collected, which on
    // a loaded machine can be seconds before this test runs).
    const at = { now: () => new Date(timestamp * 1000) };
    expect(failure(() => verifyWebhook(body, signedAt(stale), secretA, at)).reason).toBe('timestamp_too_old');
    expect(failure(() => verifyWebhook(body, signedAt(future), secretA, at)).reason).toBe(
      'timestamp_too_new',
    );
  });

  it('rejects missing headers and a timestamp that is not Unix seconds', () => {
    const { 'webhook-signature': _omitted, ...unsigned } = headersWith(sigA);
    expect(failure(() => verifyWebhook(body, unsigned, secretA)).reason).toBe('missing_header');
    expect(failure(() => verifyWebhook(body, {}, secretA)).reason).toBe('missing_header');
    expect(
      failure(() => verifyWebhook(body, { ...headersWith(sigA), 'webhook-timestamp': '1.6e9' }, secretA))
        .reason,
    ).toBe('invalid_timestamp');
  });

  it('rejects an authentic body that is not JSON', () => {
    const text = 'not json';
    const headers = headersWith(signWebhook(secretA, { id, timestamp, body: text }));
    expect(failure(() => verifyWebhook(text, headers, secretA)).reason).toBe('invalid_payload');
  });

  it('treats a malformed secret or a parsed body as a programming error, not a bad webhook', () => {
    expect(() => verifyWebhook(body, headersWith(sigA), 'whsec_not base64!')).toThrow(TypeError);
    expect(() => verifyWebhook(body, headersWith(sigA), [])).toThrow(TypeError);
    expect(() => verifyWebhook(JSON.parse(body), headersWith(sigA), secretA)).toThrow(/raw request body/);
  });
});
