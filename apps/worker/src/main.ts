import 'reflect-metadata';
import { configOrExit, exitCleanlyOnSignals, preflight } from '@arbiter/runtime';
import { Logger } from '@nestjs/common';
import { createWorkerApp } from './worker.app.js';

const config = configOrExit();
await preflight(config, { sealer: true });
const app = await createWorkerApp(config);
exitCleanlyOnSignals(app, config.SHUTDOWN_TIMEOUT_MS, 'Shutdown');
new Logger('Worker').log('Arbiter worker running');
