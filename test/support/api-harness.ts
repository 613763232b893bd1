import type { AppConfig } from '@arbiter/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiApp } from '../../apps/api/src/api.app.js';
import { ApiClient } from './api-client.js';

export interface RunningApi {
  app: NestFastifyApplication;
  url: string;
  client: ApiClient;
  close(): Promise<void>;
}

/** Boots the real API in this process on a free loopback port. */
export async function startApi(config: AppConfig): Promise<RunningApi> {
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('API did not bind a TCP port');
  const url = `http://127.0.0.1:${address.port}`;
  return { app, url, client: new ApiClient(url), close: () => app.close() };
}
