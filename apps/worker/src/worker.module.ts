import { AuditModule, SealerModule } from '@arbiter/audit';
import { AuthModule } from '@arbiter/auth';
import { type AppConfig, ConfigModule } from '@arbiter/config';
import { DatabaseModule } from '@arbiter/database';
import { DeliveryModule } from '@arbiter/delivery';
import { DispatchModule } from '@arbiter/dispatch';
import { EventsModule } from '@arbiter/events';
import { MonitoringModule } from '@arbiter/monitoring';
import { RedisModule } from '@arbiter/redis';
import { ReviewModule } from '@arbiter/review';
import { type DynamicModule, Module } from '@nestjs/common';
import { CheckpointSink } from './checkpoint-sink.js';
import { DeliveryWorkerModule } from './delivery-worker.module.js';
import { LeaseJobs } from './lease.jobs.js';
import { LoginThrottleLoop } from './login-throttle.loop.js';
import { MonitoringFoldLoop } from './monitoring-fold.loop.js';
import { ReconcileLoop } from './reconcile.loop.js';
import { SealLoop } from './seal.loop.js';
import { SlaLoop } from './sla.loop.js';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        EventsModule,
        DispatchModule,
        ReviewModule,
        AuditModule,
        SealerModule,
        DeliveryModule,
        DeliveryWorkerModule,
        MonitoringModule,
        AuthModule,
      ],
      providers: [
        ReconcileLoop,
        LeaseJobs,
        CheckpointSink,
        SealLoop,
        SlaLoop,
        MonitoringFoldLoop,
        LoginThrottleLoop,
      ],
    };
  }
}
