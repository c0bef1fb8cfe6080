export const PROVIDERS = ['wechatpay', 'alipay'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** How the payer pays: `<brand>.<surface>`. */
export const CHANNELS = [
  'wechat.native',
  'wechat.jsapi',
  'wechat.h5',
  'wechat.app',
  'alipay.qr',
  'alipay.page',
  'alipay.wap',
  'alipay.app',
] as const;
export type Channel = (typeof CHANNELS)[number];

const PROVIDER_OF = {
  'wechat.native': 'wechatpay',
  'wechat.jsapi': 'wechatpay',
  'wechat.h5': 'wechatpay',
  'wechat.app': 'wechatpay',
  'alipay.qr': 'alipay',
  'alipay.page': 'alipay',
  'alipay.wap': 'alipay',
  'alipay.app': 'alipay',
} as const satisfies Record<Channel, Provider>;

/**
 * The provider that serves a channel.
 *
 * @example
 * providerOf("alipay.wap"); // "alipay"
 */
export function providerOf(channel: Channel): Provider {
  return PROVIDER_OF[channel];
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}
