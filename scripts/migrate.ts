/**
 * `npm run migrate [-- --revert [--all]]`: creates the database if missing, then applies (or reverts)
 * every migration in scripts/migrations.ts. Run as its own step (a k8s Job), never at app boot.
 */
import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from './migrations';
import { syncPlatformsTable } from '@app/persistence/migrations';
import { DEFAULT_DATABASE_URL, buildDataSourceOptions, ensureDatabase } from '@app/persistence/data-source';
import { START_POSTGRES_HINT, describeDatabaseUrl, isPostgresUnreachable } from '@app/persistence/cli/db-errors';

async function main(argv: string[]): Promise<number> {
  const revert = argv.includes('--revert');
  const all = argv.includes('--all');
  const unknown = argv.filter((a) => !['--revert', '--all'].includes(a));
  if (unknown.length > 0 || (all && !revert)) {
    console.error(`usage: migrate [--revert [--all]]  (unknown: ${unknown.join(' ') || '--all without --revert'})`);
    return 2;
  }
  const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const where = describeDatabaseUrl(url);
  try {
    await ensureDatabase(url);
    const ds = new DataSource({ ...buildDataSourceOptions({ url, migrations: ALL_MIGRATIONS, applicationName: 'omnisync-migrate' }), logging: false });
    await ds.initialize();
    try {
      if (!revert) {
        const applied = await ds.runMigrations({ transaction: 'each' });
        console.log(applied.length === 0 ? `migrate: ${where} is up to date` : `migrate: applied ${applied.map((m) => m.name).join(', ')}`);
        // the registry's platforms (a platform added since the platforms table was created gets its row)
        await syncPlatformsTable(ds);
      } else {
        let reverted = 0;
        do {
          if ((await executedCount(ds)) === 0) break;
          await ds.undoLastMigration({ transaction: 'each' });
          reverted += 1;
        } while (all);
        console.log(`migrate: reverted ${reverted} migration(s) on ${where}`);
      }
    } finally {
      await ds.destroy();
    }
    return 0;
  } catch (e) {
    if (isPostgresUnreachable(e)) {
      console.error(`migrate: PostgreSQL is not reachable at ${where}; start it with: ${START_POSTGRES_HINT}`);
      return 1;
    }
    console.error(`migrate: failed on ${where}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

async function executedCount(ds: DataSource): Promise<number> {
  const rows: { n: string }[] = await ds.query(
    `SELECT count(*)::text AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'typeorm_migrations'`,
  );
  if (rows[0]?.n === '0') return 0;
  const [{ n }] = (await ds.query(`SELECT count(*)::text AS n FROM typeorm_migrations`)) as { n: string }[];
  return Number(n);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`migrate: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
