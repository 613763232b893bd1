import 'reflect-metadata';
import { configOrExit, preflight } from '@arbiter/runtime';
import { Logger } from '@nestjs/common';
import { createWorkerApp } from './worker.app.js';

const config = configOrExit();
await preflight(config);
await createWorkerApp(config);
new Logger('Worker').log('Arbiter worker running');
