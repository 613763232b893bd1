import pg from 'pg';

/** Server-level operations (create, clone, drop databases), run from the `postgres` maintenance database. */
function maintenanceUrl(url: string): { admin: string; name: string } {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) throw new Error(`Unsupported database name "${name}"`);
  u.pathname = '/postgres';
  return { admin: u.toString(), name };
}

async function withAdmin<T>(url: string, work: (client: pg.Client, name: string) => Promise<T>): Promise<T> {
  const { admin, name } = maintenanceUrl(url);
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client, name);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` unless it exists; true when it was created. */
export function createDatabaseIfMissing(url: string, template?: string): Promise<boolean> {
  return withAdmin(url, async (client, name) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
      return true;
    } catch (error) {
      // Another process created it between the check and the CREATE.
      if ((error as { code?: string }).code === '42P04') return false;
      throw error;
    }
  });
}

export function dropDatabase(url: string): Promise<void> {
  return withAdmin(url, async (client, name) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

export function databaseName(url: string): string {
  return maintenanceUrl(url).name;
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
