import { AppConfig, appDatabaseUrl } from '@arbiter/config';
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source.js';
import { Database } from './database.js';

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        createDataSource({ url: appDatabaseUrl(config), poolSize: config.DB_POOL_SIZE }).initialize(),
    },
    { provide: Database, inject: [DataSource], useFactory: (ds: DataSource) => new Database(ds) },
  ],
  exports: [DataSource, Database],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
