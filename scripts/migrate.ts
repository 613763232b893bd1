import 'reflect-metadata';
import { createDatabaseIfMissing, createDataSource, databaseName } from '@arbiter/database';
import { redactUrl } from '@arbiter/config';
import { applyFunctionFiles, SEALER_ROLE } from '@arbiter/migrations';
import pg from 'pg';
import { checkPostgres, configOrExit, failStartup, StartupError } from '@arbiter/runtime';

/**
 * Creates the database if it is missing, applies every pending migration, then every function file whose content
 * the database has not applied yet (migrations/functions: the live SQL functions and triggers).
 */
const config = configOrExit();
try {
  const adminUrl = new URL(config.DATABASE_URL);
  adminUrl.pathname = '/postgres';
  await checkPostgres(adminUrl.toString());
} catch (error) {
  if (error instanceof StartupError) failStartup(error.message);
  throw error;
}
if (await createDatabaseIfMissing(config.DATABASE_URL)) {
  console.log(`created database ${databaseName(config.DATABASE_URL)}`);
}
const dataSource = await createDataSource({ url: config.DATABASE_URL, poolSize: 1 }).initialize();
try {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  console.log(
    applied.length > 0
      ? `applied ${applied.length} migration(s) to ${redactUrl(config.DATABASE_URL)}: ${applied.map((m) => m.name).join(', ')}`
      : `schema of ${redactUrl(config.DATABASE_URL)} is up to date`,
  );
  const functions = await applyFunctionFiles(dataSource);
  if (functions.length > 0)
    console.log(`applied ${functions.length} function file(s): ${functions.join(', ')}`);
  // Passwords are configuration, not schema: set (again) on every run, from the environment.
  const passwords: [string, string | undefined][] = [
    [config.DATABASE_APP_ROLE, config.DATABASE_APP_PASSWORD],
    [SEALER_ROLE, config.DATABASE_SEALER_PASSWORD],
  ];
  for (const [role, password] of passwords) {
    if (!role || password === undefined) continue;
    await dataSource.query(`ALTER ROLE "${role}" PASSWORD ${pg.escapeLiteral(password)}`);
  }
} finally {
  await dataSource.destroy();
}
