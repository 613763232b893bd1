import { MIGRATIONS } from '@arbiter/migrations';
import { DataSource } from 'typeorm';

export interface DataSourceSettings {
  url: string;
  poolSize?: number;
  applicationName?: string;
}

/** The one TypeORM data source: schema changes only through the migrations, never `synchronize`. */
export function createDataSource({
  url,
  poolSize = 10,
  applicationName = 'arbiter',
}: DataSourceSettings): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    applicationName,
    poolSize,
    extra: {
      connectionTimeoutMillis: 5000,
      // A dead server must surface as an error, not as a request that hangs.
      query_timeout: 30_000,
      keepAlive: true,
    },
  });
}
