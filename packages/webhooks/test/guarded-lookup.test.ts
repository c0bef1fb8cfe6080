import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ADDRESS_REFUSED, type BaseLookup, guardedLookup } from '../src/index.ts';
import { familyOf, REFUSED_ADDRESSES } from './support/ssrf-matrix.ts';

type Outcome = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

/** Calls a lookup the way node:net does; no socket is ever opened here. */
function callLookup(lookup: LookupFunction, options: { all?: boolean; family?: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    lookup('hooks.shop.test', options, (error, address, family) => resolve({ error, address, family }));
  });
}

const resolvesTo =
  (...addresses: string[]): BaseLookup =>
  async () =>
    addresses.map((address) => ({ address, family: familyOf(address) }));

describe('guardedLookup', () => {
  it.each(REFUSED_ADDRESSES)(
    'fails with ERR_WEBHOOK_ADDRESS_REFUSED when the name resolves to %s',
    async (ip, reason) => {
      for (const all of [true, false]) {
        const outcome = await callLookup(guardedLookup({ allowLoopback: false }, resolvesTo(ip)), { all });
        expect(outcome.error?.code).toBe(ADDRESS_REFUSED);
        expect(outcome.error?.message).toContain(reason);
        expect(outcome.error?.message).not.toContain(ip);
      }
    },
  );

  it('fails when ANY address is refused, even if a public one comes first', async () => {
    const lookup = guardedLookup(
      { allowLoopback: true },
      resolvesTo('93.184.216.34', '127.0.0.1', '169.254.169.254'),
    );
    expect((await callLookup(lookup, { all: true })).error?.code).toBe(ADDRESS_REFUSED);
  });

  it('answers in both callback shapes net.connect uses', async () => {
    const lookup = guardedLookup({ allowLoopback: false }, resolvesTo('93.184.216.34', '2606:2800:220:1::1'));
    expect(await callLookup(lookup, { all: true })).toEqual({
      error: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
      family: undefined,
    });
    expect(await callLookup(lookup, { all: false })).toEqual({
      error: null,
      address: '93.184.216.34',
      family: 4,
    });
    expect(await callLookup(lookup, { family: 6 })).toEqual({
      error: null,
      address: '2606:2800:220:1::1',
      family: 6,
    });
  });

  it('passes resolver failures through and reports an empty answer as ENOTFOUND', async () => {
    const failing: BaseLookup = async () => {
      throw Object.assign(new Error('queryA ESERVFAIL'), { code: 'ESERVFAIL' });
    };
    expect((await callLookup(guardedLookup({ allowLoopback: false }, failing), {})).error?.code).toBe(
      'ESERVFAIL',
    );
    expect((await callLookup(guardedLookup({ allowLoopback: false }, resolvesTo()), {})).error?.code).toBe(
      'ENOTFOUND',
    );
  });
});
