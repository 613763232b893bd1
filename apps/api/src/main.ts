import 'reflect-metadata';
import { exposedDevSecretWarning } from '@arbiter/config';
import { configOrExit, exitCleanlyOnSignals, preflight } from '@arbiter/runtime';
import { createApiApp } from './api.app.js';

const config = configOrExit();
const exposed = exposedDevSecretWarning(config);
if (exposed) process.stderr.write(`\n${'!'.repeat(100)}\n${exposed}\n${'!'.repeat(100)}\n\n`);
await preflight(config);
const app = await createApiApp(config);
exitCleanlyOnSignals(app, config.SHUTDOWN_TIMEOUT_MS, 'Shutdown', app.getHttpServer());
await app.listen(config.PORT, config.HOST);
app
  .getHttpAdapter()
  .getInstance()
  .log.info({ url: await app.getUrl() }, 'Arbiter API listening');
