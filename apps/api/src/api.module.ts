import { AuditModule } from '@arbiter/audit';
import { AuthGuard, AuthModule } from '@arbiter/auth';
import { type AppConfig, ConfigModule } from '@arbiter/config';
import { DatabaseModule } from '@arbiter/database';
import { DeliveryModule } from '@arbiter/delivery';
import { DispatchModule } from '@arbiter/dispatch';
import { GoldModule } from '@arbiter/gold';
import { IngestModule } from '@arbiter/ingest';
import { QueuesModule } from '@arbiter/queues';
import { RedisModule } from '@arbiter/redis';
import { EventsModule } from '@arbiter/events';
import { ReviewModule } from '@arbiter/review';
import { MetricsModule } from '@arbiter/runtime';
import { MonitoringModule } from '@arbiter/monitoring';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ApiKeyController } from './controllers/api-key.controller.js';
import { AuditController } from './controllers/audit.controller.js';
import { AuditExportController } from './controllers/audit-export.controller.js';
import { AuthController } from './controllers/auth.controller.js';
import { HealthController } from './controllers/health.controller.js';
import { ItemController } from './controllers/item.controller.js';
import { QueueController } from './controllers/queue.controller.js';
import { UserController } from './controllers/user.controller.js';
import { ErrorFilter } from './http/error.filter.js';
import { ClaimController } from './controllers/claim.controller.js';
import { DeliveryController } from './controllers/delivery.controller.js';
import { MetricsController } from './controllers/metrics.controller.js';
import { MonitoringController } from './controllers/monitoring.controller.js';
import { ReviewBroadcaster } from './review/review-broadcaster.js';
import { ReviewGateway } from './review/review.gateway.js';
import { BootstrapService } from './bootstrap.service.js';
import { GoldController } from './controllers/gold.controller.js';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        AuditModule,
        AuthModule,
        QueuesModule,
        DispatchModule,
        IngestModule,
        EventsModule,
        MetricsModule,
        ReviewModule,
        DeliveryModule,
        MonitoringModule,
        GoldModule,
      ],
      controllers: [
        AuthController,
        QueueController,
        UserController,
        ApiKeyController,
        ItemController,
        ClaimController,
        HealthController,
        MetricsController,
        AuditController,
        AuditExportController,
        DeliveryController,
        MonitoringController,
        GoldController,
      ],
      providers: [
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
        BootstrapService,
        ReviewGateway,
        ReviewBroadcaster,
      ],
    };
  }
}
