/**
 * @paymux/core: the pure domain of Paymux (money, ids, errors, channels,
 * state machines, event types, modes, scopes). No I/O.
 *
 * @example
 * import { money, newId, paymentTransition } from "@paymux/core";
 */
export * from './channels.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './ids.ts';
export * from './modes.ts';
export * from './money.ts';
export * from './scopes.ts';
export * from './state-machines.ts';
