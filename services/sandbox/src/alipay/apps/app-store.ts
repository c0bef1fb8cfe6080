import { createPrivateKey, type KeyObject } from 'node:crypto';
import { generateRsaKeyPair, toPublicKey } from '../../crypto/keys.ts';
import type { AlipayApp } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';
import { newAppId, newPartnerId } from '../ids.ts';

/** What a merchant downloads from the console once: the only time the app private key exists here. */
export interface AppBundle {
  readonly app: AlipayApp;
  /** PKCS#8 PEM; never stored (Alipay never sees a merchant's private key). */
  readonly appPrivateKey: string;
}

/** Creates an app: its own key pair (the merchant's) and Alipay's key pair for it. */
export async function createApp(deps: SandboxDeps, name: string | undefined): Promise<AppBundle> {
  const [appKeys, alipayKeys] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
  const appId = newAppId();
  const app = await deps.db
    .insertInto('alipay_apps')
    .values({
      app_id: appId,
      name: name ?? `Sandbox app ${appId.slice(-4)}`,
      seller_id: newPartnerId(),
      app_public_key: appKeys.publicKey,
      alipay_private_key: alipayKeys.privateKey,
      alipay_public_key: alipayKeys.publicKey,
      created_at: deps.now(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { app, appPrivateKey: appKeys.privateKey };
}

export async function findApp(deps: SandboxDeps, appId: string): Promise<AlipayApp | undefined> {
  return await deps.db.selectFrom('alipay_apps').selectAll().where('app_id', '=', appId).executeTakeFirst();
}

/** The keys of an app, parsed. */
export interface AppKeys {
  readonly appPublicKey: KeyObject;
  readonly alipayPrivateKey: KeyObject;
}

export function appKeys(app: AlipayApp): AppKeys {
  return {
    appPublicKey: toPublicKey(app.app_public_key),
    alipayPrivateKey: createPrivateKey(app.alipay_private_key),
  };
}
