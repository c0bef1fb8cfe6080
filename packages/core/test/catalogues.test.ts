import { describe, expect, it } from 'vitest';
import { CHANNELS, isChannel, isProvider, providerOf } from '../src/channels.ts';
import { isPaymuxError } from '../src/errors.ts';
import { EVENT_TYPES, isEventType } from '../src/events.ts';
import { isMode } from '../src/modes.ts';
import { ALL_SCOPES, isScope, parseScopes } from '../src/scopes.ts';

describe('channels', () => {
  it('maps each channel to its provider', () => {
    expect(CHANNELS).toHaveLength(8);
    for (const channel of CHANNELS) {
      expect(providerOf(channel)).toBe(channel.startsWith('wechat.') ? 'wechatpay' : 'alipay');
    }
  });

  it('recognises channels and providers strictly', () => {
    expect(isChannel('alipay.wap')).toBe(true);
    expect(isChannel('alipay')).toBe(false);
    expect(isChannel('constructor')).toBe(false);
    expect(isChannel(null)).toBe(false);
    expect(isProvider('wechatpay')).toBe(true);
    expect(isProvider('wechat')).toBe(false);
  });
});

describe('events', () => {
  it('lists the catalogue', () => {
    expect(EVENT_TYPES).toContain('webhook_endpoint.disabled');
    expect(isEventType('payment.succeeded')).toBe(true);
    expect(isEventType('payment.*')).toBe(false);
    expect(isEventType(undefined)).toBe(false);
  });
});

describe('modes', () => {
  it('knows test and live only', () => {
    expect(isMode('test')).toBe(true);
    expect(isMode('live')).toBe(true);
    expect(isMode('LIVE')).toBe(false);
    expect(isMode('')).toBe(false);
  });
});

describe('scopes', () => {
  it('parses a list, trimming and removing duplicates', () => {
    expect(parseScopes('payments:read, refunds:write,payments:read')).toEqual([
      'payments:read',
      'refunds:write',
    ]);
    expect(parseScopes(ALL_SCOPES.join(','))).toEqual([...ALL_SCOPES]);
    expect(isScope('reports:read')).toBe(true);
  });

  it.each([
    ['payments:admin', 'payments:admin'],
    ['payments:read,', 'Empty scope'],
    ['', 'Empty scope'],
    ['PAYMENTS:READ', 'PAYMENTS:READ'],
  ])('rejects %j naming the problem', (csv, named) => {
    try {
      parseScopes(csv);
    } catch (error) {
      expect(isPaymuxError(error) && error.code).toBe('validation_failed');
      expect(isPaymuxError(error) && error.detail).toContain(named);
      expect(isPaymuxError(error) && error.fields?.[0]?.path).toBe('scopes');
      return;
    }
    throw new Error('expected a throw');
  });
});
