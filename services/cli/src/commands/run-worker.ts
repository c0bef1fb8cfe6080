import type { DatabaseHandle } from '@paymux/db';
import { CredentialCache, type EndpointsByMode } from '@paymux/operations';
import { sandboxEndpoints } from '@paymux/providers';
import type { KeyProvider } from '@paymux/vault';
import { startWorker, type Worker } from '@paymux/worker';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

/** Live accounts reach the configured providers; test-mode accounts only the sandbox. */
export function providerEndpointsFor(config: Config): EndpointsByMode {
  return {
    live: {
      wechatpayBaseUrl: config.wechatpayBaseUrl,
      alipayGatewayUrl: config.alipayGatewayUrl,
      alipayEndpoint: config.alipayEndpoint,
    },
    test: sandboxEndpoints(config.sandboxUrl),
  };
}

/**
 * Starts the job worker on an opened database: pg-boss on the owner connection
 * (`handle.url`), the handlers on the app pool, provider calls as the API makes them.
 */
export async function runWorker(
  config: Config,
  handle: DatabaseHandle,
  vault: KeyProvider,
  logger: Logger,
  options: { concurrency?: number; stopTimeoutMs?: number } = {},
): Promise<Worker> {
  return await startWorker({
    db: handle.db,
    url: handle.url,
    providerCtx: {
      vault,
      endpoints: providerEndpointsFor(config),
      credentialCache: new CredentialCache(),
      providerTimeoutMs: config.providerTimeoutMs,
    },
    logger,
    publicUrl: config.publicUrl,
    webhooks: { allowLoopback: config.webhookAllowLoopback },
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.stopTimeoutMs !== undefined ? { timings: { stopTimeoutMs: options.stopTimeoutMs } } : {}),
  });
}
