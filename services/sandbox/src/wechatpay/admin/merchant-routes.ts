import type { Hono } from 'hono';
import { z } from 'zod';
import type { SandboxDeps } from '../../deps.ts';
import { issueMerchant } from '../merchants/issue-merchant.ts';
import { findMerchant, publicMerchantView } from '../merchants/merchant-store.ts';
import { adminError, readAdminBody } from './read-admin-body.ts';

const createMerchantInput = z
  .object({
    name: z.string().min(1).max(128).optional(),
    appid: z
      .string()
      .regex(/^wx[0-9A-Za-z]{8,30}$/)
      .optional(),
    verification_mode: z.enum(['public_key', 'platform_certificate']).optional(),
  })
  .strict();

/**
 * `POST /_admin/wechatpay/merchants` → 201 with the merchant's credential bundle (the
 * only time its private key is shown), `GET /_admin/wechatpay/merchants/:mchid` → the
 * public view.
 */
export function registerMerchantRoutes(admin: Hono, deps: SandboxDeps): void {
  admin.post('/merchants', async (c) => {
    const body = await readAdminBody(c, createMerchantInput);
    if (!body.ok) return c.json(adminError('PARAM_ERROR', body.message), 400);
    const bundle = await issueMerchant(deps, {
      name: body.value.name,
      appid: body.value.appid,
      verificationMode: body.value.verification_mode,
    });
    return c.json(bundle, 201);
  });

  admin.get('/merchants/:mchid', async (c) => {
    const merchant = await findMerchant(deps, c.req.param('mchid'));
    if (!merchant) return c.json(adminError('MCH_NOT_EXISTS', 'No such merchant.'), 404);
    return c.json(publicMerchantView(merchant));
  });
}
