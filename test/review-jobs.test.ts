import { ReviewDispatcher, ReviewJobReader, reviewJobId, reviewQueueName } from '@arbiter/dispatch';
import { createRedis } from '@arbiter/redis';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

describe('review jobs: a job taken and never settled goes back in line', () => {
  let env: TestEnv;
  let redis: Redis;
  let dispatcher: ReviewDispatcher;
  let reader: ReviewJobReader;

  before(async () => {
    env = await createTestEnv();
    const config = env.config({ REVIEW_JOB_LOCK_MS: '1000' });
    redis = createRedis(env.redisUrl, 'command');
    await new Promise((resolve) => redis.once('ready', resolve));
    dispatcher = new ReviewDispatcher(redis, config);
    reader = new ReviewJobReader(config);
  });

  after(async () => {
    await reader?.onApplicationShutdown();
    await dispatcher?.onApplicationShutdown();
    redis?.disconnect();
    await env?.cleanup();
  });

  it('is put back by the stalled check once its lock runs out, and handed out again', async () => {
    const queueId = randomUUID();
    const itemId = randomUUID();
    assert.equal(await dispatcher.enqueue([{ id: itemId, queueId, priority: 10 }]), true);
    const taken = await reader.takeNext(queueId);
    assert.equal(taken?.itemId, itemId);
    // The process that took it "dies" here: neither done() nor putBack() is ever called.
    const queue = new Queue(reviewQueueName(queueId), { connection: redis, prefix: env.redisPrefix });
    try {
      assert.equal(await queue.getJobState(reviewJobId(itemId)), 'active');
      assert.equal(await reader.takeNext(queueId), null, 'nobody else gets it while it is locked');
      await eventually(
        'the job is waiting again',
        async () => ['waiting', 'prioritized'].includes(await queue.getJobState(reviewJobId(itemId))),
        10_000,
        100,
      );
      const again = await reader.takeNext(queueId);
      assert.equal(again?.itemId, itemId, 'the next taker gets it');
      await again!.done();
      assert.equal(await queue.getJobState(reviewJobId(itemId)), 'unknown');
    } finally {
      await queue.close();
    }
  });
});
