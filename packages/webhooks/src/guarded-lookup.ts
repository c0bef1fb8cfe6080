import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { type AddressPolicy, refusedAddressReason } from './address-policy.ts';
import { type BaseLookup, systemLookup } from './url-policy.ts';

/** The `code` of the error a guarded lookup fails with when an address is refused. */
export const ADDRESS_REFUSED = 'ERR_WEBHOOK_ADDRESS_REFUSED';

/** A guarded lookup's refusal: `reason` is refusedAddressReason's; the address stays out of the message. */
export class AddressRefusedError extends Error {
  readonly code = ADDRESS_REFUSED;
  readonly reason: string;

  constructor(reason: string) {
    super(`the host name resolves to a refused address (${reason})`);
    this.name = 'AddressRefusedError';
    this.reason = reason;
  }
}

/**
 * A `lookup` for node:http, node:https and node:net that resolves with `base` and fails with an
 * AddressRefusedError (code ERR_WEBHOOK_ADDRESS_REFUSED) if ANY address is refused. The check runs
 * on the addresses the socket is about to connect to, so a name that resolved to a public address
 * at registration and to 127.0.0.1 now (DNS rebinding) is still stopped. Node skips `lookup` for
 * IP-literal hosts: check those with refusedAddressReason before connecting.
 *
 * @example
 * http.request(url, { lookup: guardedLookup({ allowLoopback: false }) });
 */
export function guardedLookup(policy: AddressPolicy, base: BaseLookup = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname).then(
      (resolved) => {
        const refused = resolved
          .map((a) => refusedAddressReason(a.address, policy))
          .find((r) => r !== undefined);
        if (refused !== undefined) return callback(new AddressRefusedError(refused), '');
        const wanted = familyNumber(options);
        const addresses: LookupAddress[] = resolved
          .filter((a) => wanted === 0 || a.family === wanted)
          .map((a) => ({ address: a.address, family: a.family }));
        const first = addresses[0];
        if (first === undefined) return callback(notFound(hostname), '');
        if (options.all === true) return callback(null, addresses);
        return callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''),
    );
  };
}

function familyNumber(options: LookupOptions): number {
  const { family } = options;
  if (family === 'IPv4') return 4;
  if (family === 'IPv6') return 6;
  return family ?? 0;
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
}
