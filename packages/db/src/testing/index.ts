export { createTestDatabase, type TestDatabase } from './test-database.ts';
export { databaseUrlFor } from './urls.ts';
