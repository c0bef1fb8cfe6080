import type { IncomingMessage } from 'node:http';
import type { WechatMerchant } from '../db/schema.ts';
import type { WechatpaySigner } from './wire/response-signature.ts';

/** Hono context of the WeChat Pay wire API once a request is authenticated. */
export interface WechatpayEnv {
  /** Set by @hono/node-server: the raw request, whose request line is what the merchant signed. */
  Bindings: { incoming?: IncomingMessage };
  Variables: {
    requestId: string;
    merchant: WechatMerchant;
    signer: WechatpaySigner;
    /** The body exactly as received (the signature covers these bytes). */
    rawBody: string;
  };
}
