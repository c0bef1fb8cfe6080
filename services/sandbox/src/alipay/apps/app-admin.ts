import { Hono } from 'hono';
import { z } from 'zod';
import type { SandboxDeps } from '../../deps.ts';
import { createApp, findApp } from './app-store.ts';

const createInput = z.object({ name: z.string().trim().min(1).max(128).optional() }).strict();

/**
 * `POST /_admin/alipay/apps` creates an app and answers the design's bundle once (with the
 * app private key, which the sandbox then forgets); `GET /_admin/alipay/apps/{app_id}`
 * shows it without secrets.
 */
export function appAdmin(deps: SandboxDeps): Hono {
  const app = new Hono();

  app.post('/apps', async (c) => {
    let raw: unknown = {};
    const text = await c.req.text();
    if (text.trim() !== '') {
      try {
        raw = JSON.parse(text);
      } catch {
        return c.json({ code: 'PARAM_ERROR', message: 'body must be JSON: {"name"?: string}' }, 400);
      }
    }
    const parsed = createInput.safeParse(raw);
    if (!parsed.success)
      return c.json({ code: 'PARAM_ERROR', message: 'body must be {"name"?: string}' }, 400);
    const { app: created, appPrivateKey } = await createApp(deps, parsed.data.name);
    return c.json(
      {
        app_id: created.app_id,
        name: created.name,
        seller_id: created.seller_id,
        app_private_key: appPrivateKey,
        app_public_key: created.app_public_key,
        alipay_public_key: created.alipay_public_key,
      },
      201,
    );
  });

  app.get('/apps/:app_id', async (c) => {
    const found = await findApp(deps, c.req.param('app_id'));
    if (!found) return c.json({ code: 'NOT_FOUND', message: 'No such app.' }, 404);
    return c.json({
      app_id: found.app_id,
      name: found.name,
      seller_id: found.seller_id,
      app_public_key: found.app_public_key,
      alipay_public_key: found.alipay_public_key,
      created_at: found.created_at.toISOString(),
    });
  });

  return app;
}
