import type { ClaimedDelivery } from '@paymux/operations';
import { describe, expect, it } from 'vitest';
import { SigningSecretCache } from '../src/webhooks/signing-secret-cache.ts';

const delivery = (over: Partial<ClaimedDelivery> = {}): ClaimedDelivery =>
  ({
    tenant_id: 'tnt_a',
    endpoint_id: 'whe_a',
    secret: { v: 1, ct: 'ct-current' },
    previous_secret: null,
    previous_secret_expires_at: null,
    ...over,
  }) as ClaimedDelivery;

describe('SigningSecretCache', () => {
  it('opens once per endpoint and envelope within the TTL, again after it', async () => {
    const cache = new SigningSecretCache({ ttlMs: 1_000 });
    let opened = 0;
    const open = async () => [`whsec_${++opened}`];
    const t0 = new Date(1_000_000);
    expect(await cache.get(delivery(), t0, open)).toEqual(['whsec_1']);
    expect(await cache.get(delivery(), new Date(t0.getTime() + 999), open)).toEqual(['whsec_1']);
    expect(await cache.get(delivery({ endpoint_id: 'whe_b' }), t0, open)).toEqual(['whsec_2']);
    expect(await cache.get(delivery(), new Date(t0.getTime() + 1_000), open)).toEqual(['whsec_3']);
  });

  it('misses at once after a rotation, and when the previous secret stops signing', async () => {
    const cache = new SigningSecretCache({ ttlMs: 60_000 });
    let opened = 0;
    const open = async () => [`s${++opened}`];
    const now = new Date(2_000_000);
    const expires = new Date(now.getTime() + 10_000);
    await cache.get(delivery(), now, open);
    const rotated = delivery({
      secret: { v: 1, ct: 'ct-new' },
      previous_secret: { v: 1, ct: 'ct-current' },
      previous_secret_expires_at: expires,
    });
    expect(await cache.get(rotated, now, open)).toEqual(['s2']);
    expect(await cache.get(rotated, new Date(now.getTime() + 9_999), open)).toEqual(['s2']);
    expect(await cache.get(rotated, expires, open)).toEqual(['s3']);
  });

  it('does not remember a failed open', async () => {
    const cache = new SigningSecretCache();
    const now = new Date();
    await expect(
      cache.get(delivery(), now, async () => Promise.reject(new Error('vault down'))),
    ).rejects.toThrow();
    expect(await cache.get(delivery(), now, async () => ['ok'])).toEqual(['ok']);
  });
});
