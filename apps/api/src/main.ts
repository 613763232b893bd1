import 'reflect-metadata';
import { exposedDevSecretWarning } from '@arbiter/config';
import { configOrExit, exitCleanlyOnSignals, preflight } from '@arbiter/runtime';
import { createApiApp } from './api.app.js';
import { runPrimary } from './cluster/primary.js';
import { inClusterWorker, runWorker } from './cluster/worker.js';

const config = configOrExit();
if (config.API_PROCESSES > 1 && inClusterWorker()) {
  await runWorker(config, () => createApiApp(config));
} else {
  const exposed = exposedDevSecretWarning(config);
  if (exposed) process.stderr.write(`\n${'!'.repeat(100)}\n${exposed}\n${'!'.repeat(100)}\n\n`);
  // Once per start: with several processes the primary checks before it forks the workers.
  await preflight(config);
  if (config.API_PROCESSES > 1) {
    await runPrimary(config);
  } else {
    const app = await createApiApp(config);
    exitCleanlyOnSignals(app, config.SHUTDOWN_TIMEOUT_MS, 'Shutdown', app.getHttpServer());
    await app.listen(config.PORT, config.HOST);
    app
      .getHttpAdapter()
      .getInstance()
      .log.info({ url: await app.getUrl() }, 'Arbiter API listening');
  }
}
