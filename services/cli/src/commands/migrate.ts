import { migrateToLatest, ownerKysely } from '@paymux/db';
import { type Command, writeLine } from '../command.ts';
import { withDatabase } from '../database.ts';

export const migrateCommand: Command = {
  path: ['migrate'],
  summary: 'Apply pending database migrations',
  help: `Usage: paymux migrate

Applies every pending migration to the configured database (DATABASE_URL, or the
embedded PostgreSQL in PAYMUX_DATA_DIR). \`paymux start\` also migrates on start;
run this explicitly when deploying, before rolling out new processes.`,
  options: {},
  async run({ config, io }) {
    const applied = await withDatabase(
      config(),
      async (handle) => {
        const owner = ownerKysely(handle.url, 1);
        try {
          return await migrateToLatest(owner);
        } finally {
          await owner.destroy();
        }
      },
      { migrate: false },
    );
    if (applied.length === 0) writeLine(io.stdout, 'Database is up to date; no migrations applied.');
    for (const name of applied) writeLine(io.stdout, `applied ${name}`);
    return 0;
  },
};
