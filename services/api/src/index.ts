/**
 * @paymux/api: the Hono application (tenant API, health, metrics) and its pieces.
 *
 * @example
 * const { app } = createApp({ db, config, logger });
 * serve({ fetch: app.fetch, port: 4000 });
 */
export { createApp, type PaymuxApp } from './app.ts';
export { ApiKeyCache } from './auth/api-key-cache.ts';
export type { ApiConfig, AppDeps, AppEnv, AuthContext } from './deps.ts';
export { createLogger, redactSecrets, SECRET_KEYS } from './logger.ts';
