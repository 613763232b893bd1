export type { Queue, QueueSettings } from '@arbiter/contracts';
