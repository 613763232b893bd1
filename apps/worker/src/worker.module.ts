import { type AppConfig, ConfigModule } from '@arbiter/config';
import { DatabaseModule } from '@arbiter/database';
import { DispatchModule } from '@arbiter/dispatch';
import { RedisModule } from '@arbiter/redis';
import { type DynamicModule, Module } from '@nestjs/common';
import { ReconcileLoop } from './reconcile.loop.js';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, DispatchModule],
      providers: [ReconcileLoop],
    };
  }
}
