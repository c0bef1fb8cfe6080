export { appKysely, type ConnectOptions, connect, type DatabaseHandle, ownerKysely } from './connect.ts';
export { type EmbeddedPostgresHandle, startEmbeddedPostgres } from './embedded-postgres.ts';
export { InvalidatedCache, type InvalidatedCacheOptions } from './invalidated-cache.ts';
export { type MigrationStatus, migrateDownToZero, migrateToLatest, migrationStatus } from './migrate.ts';
export { migrations } from './migrations/index.ts';
export type * from './schema.ts';
export {
  inSystemOneTrip,
  inTenantOneTrip,
  type OneTripQuery,
  type SystemTransaction,
  switchToTenant,
  type TenantTransaction,
  withSystem,
  withTenant,
} from './tenant-transaction.ts';
