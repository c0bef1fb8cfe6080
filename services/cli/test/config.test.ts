import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl } from '../src/config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      port: 4000,
      publicUrl: 'http://localhost:4000',
      dataDir: '.paymux',
      jwtAudience: 'paymux',
      maxBodyBytes: 1024 * 1024,
      wechatpayBaseUrl: 'https://api.mch.weixin.qq.com',
      alipayGatewayUrl: 'https://openapi.alipay.com/gateway.do',
      alipayEndpoint: 'https://openapi.alipay.com',
      webhookAllowLoopback: false,
    });
  });

  it('reads every variable and treats empty strings as unset', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db.internal:5432/paymux',
      PORT: '8080',
      PUBLIC_URL: 'https://pay.example.com/',
      PAYMUX_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      PAYMUX_DATA_DIR: '',
      PAYMUX_WEBHOOK_ALLOW_LOOPBACK: 'true',
      UNRELATED: 'ignored',
    });
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('https://pay.example.com');
    expect(config.dataDir).toBe('.paymux');
    expect(config.webhookAllowLoopback).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '0'],
    ['PORT', '70000'],
    ['PORT', '6000'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['DATABASE_URL', 'not a url'],
    ['PUBLIC_URL', 'ftp://x'],
    ['PAYMUX_MASTER_KEY', Buffer.alloc(16).toString('base64')],
    ['PAYMUX_MASTER_KEY', 'not base64!'],
    ['PAYMUX_MAX_BODY_BYTES', '12'],
    ['LOG_LEVEL', 'loud'],
    ['PAYMUX_WEBHOOK_ALLOW_LOOPBACK', 'yes'],
  ])('names %s when it is invalid (%s)', (variable, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(variable);
    expect((thrown as ConfigError).message.startsWith(`${variable}: `)).toBe(true);
    expect((thrown as ConfigError).message).not.toContain('\n');
  });

  it('never echoes a master key or database URL value in its message', () => {
    expect(() => loadConfig({ PAYMUX_MASTER_KEY: 'c2VjcmV0' })).toThrow(/^PAYMUX_MASTER_KEY: (?!.*c2VjcmV0)/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@h/d' })).toThrow(
      /^DATABASE_URL: (?!.*hunter2)/,
    );
  });

  it('redacts passwords from connection strings', () => {
    expect(redactUrl('postgres://u:hunter2@h:5432/d')).toBe('postgres://u:***@h:5432/d');
  });
});
