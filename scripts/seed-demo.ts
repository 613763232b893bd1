import 'reflect-metadata';
import { SYSTEM_ACTOR } from '@arbiter/audit';
import { AuthModule, hashPassword, IdentityService, type UserPrincipal, UserRepository } from '@arbiter/auth';
import { ConfigModule } from '@arbiter/config';
import { createDataSource, Database, DatabaseModule } from '@arbiter/database';
import { EventsModule } from '@arbiter/events';
import { GoldModule, GoldService } from '@arbiter/gold';
import { IngestModule, IngestService } from '@arbiter/ingest';
import { QueueService, QueuesModule } from '@arbiter/queues';
import { RedisModule } from '@arbiter/redis';
import { configOrExit } from '@arbiter/runtime';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { SubmitItemDto } from '@arbiter/contracts';
import { DEMO_GOLD, seedDemoGold, seedDemoHistory, seedDemoSecondReview } from './demo-history.js';

/**
 * On an empty database: a demo queue with a few items and gold items, a two-review queue, two reviewers, an
 * adjudicator, an auditor and a service key.
 */
const config = configOrExit();

@Module({})
class SeedModule {}

const DEMO = {
  admin: {
    email: config.BOOTSTRAP_ADMIN_EMAIL ?? 'admin@arbiter.local',
    password: config.BOOTSTRAP_ADMIN_PASSWORD ?? 'arbiter-admin-demo',
  },
  reviewer: { email: 'reviewer@arbiter.local', password: 'arbiter-reviewer-demo' },
  reviewer2: { email: 'reviewer2@arbiter.local', password: 'arbiter-reviewer2-demo' },
  lead: { email: 'lead@arbiter.local', password: 'arbiter-lead-demo' },
  auditor: { email: 'auditor@arbiter.local', password: 'arbiter-auditor-demo' },
};

const app = await NestFactory.createApplicationContext(
  {
    module: SeedModule,
    imports: [
      ConfigModule.forRoot(config),
      DatabaseModule,
      RedisModule,
      EventsModule,
      AuthModule,
      QueuesModule,
      IngestModule,
      GoldModule,
    ],
  },
  { logger: ['error', 'warn'] },
);
const users = app.get(UserRepository);
const url = `http://localhost:${config.PORT}`;
const logins = [
  ['admin', DEMO.admin],
  ['reviewer', DEMO.reviewer],
  ['reviewer', DEMO.reviewer2],
  ['lead', DEMO.lead],
  ['auditor', DEMO.auditor],
] as const;

if ((await users.count()) > 0) {
  console.log(`\nArbiter: ${url}  (API docs ${url}/docs)`);
  console.log('Database already set up; demo logins, if unchanged:');
  for (const [role, login] of logins) console.log(`  ${role.padEnd(9)} ${login.email} / ${login.password}`);
  console.log('  (the demo service API key was printed once, on first start)\n');
} else {
  const adminView = await users.create(
    {
      email: DEMO.admin.email,
      passwordHash: await hashPassword(DEMO.admin.password, config.PASSWORD_SCRYPT_LOG_N),
      roles: ['admin'],
      queues: [],
    },
    SYSTEM_ACTOR,
  );
  const admin: UserPrincipal = {
    kind: 'user',
    id: adminView.id,
    email: adminView.email,
    roles: ['admin'],
    queueIds: new Set(),
  };
  const queues = app.get(QueueService);
  await queues.create(admin, 'demo-escalations', {
    name: 'Escalations',
    instructions: 'Items reviewers were unsure about.',
  });
  const queue = await queues.create(admin, 'demo-support', {
    name: 'Support ticket triage',
    instructions:
      '## Triage support tickets\n\nCheck the category the model chose. Fix it if wrong, and make the reply polite and accurate.\n' +
      'Reject tickets that are spam. Escalate anything legal or unsafe.',
    outputSchema: {
      type: 'object',
      required: ['category', 'reply'],
      additionalProperties: false,
      properties: {
        category: { enum: ['billing', 'delivery', 'technical', 'other'] },
        reply: { type: 'string', minLength: 1, maxLength: 2000 },
      },
    },
    autoApproveAbove: 0.97,
    qaSampleRate: 0.1,
    onDrift: 'suspend_auto_approve',
    escalateTo: 'demo-escalations',
    leaseSeconds: 300,
    goldRate: 0.05,
  });
  const adjudication = await queues.create(admin, 'demo-adjudication', {
    name: 'Adjudication of two-review disagreements',
    instructions:
      'Two reviewers of demo-second-review disagreed: see both reviews beside the item and settle it.',
    outputSchema: queue.outputSchema,
  });
  const secondReview = await queues.create(admin, 'demo-second-review', {
    name: 'Support triage, two reviews',
    instructions:
      '## Two independent reviews\n\nEvery ticket here is reviewed by two people who do not see each other’s ' +
      'decision. When they disagree, the ticket goes to demo-adjudication for a lead to settle.',
    outputSchema: queue.outputSchema,
    reviewsRequired: 2,
    escalateTo: 'demo-adjudication',
    leaseSeconds: 300,
  });
  const identity = app.get(IdentityService);
  const reviewer = await identity.createUser(admin, {
    ...DEMO.reviewer,
    roles: ['reviewer'],
    queues: ['demo-support', 'demo-escalations', 'demo-second-review'],
  });
  const reviewer2 = await identity.createUser(admin, {
    ...DEMO.reviewer2,
    roles: ['reviewer'],
    queues: ['demo-support', 'demo-second-review'],
  });
  const lead = await identity.createUser(admin, {
    ...DEMO.lead,
    roles: ['reviewer'],
    queues: ['demo-adjudication'],
  });
  await identity.createUser(admin, { ...DEMO.auditor, roles: ['auditor'], queues: [] });
  const apiKey = await identity.createApiKey(admin, {
    service: 'demo-service',
    queues: ['demo-support', 'demo-second-review'],
  });

  // The past is written as the database's owner: the application's role may not choose when audit events
  // happened (nor their sequence numbers), which a demo history must.
  const ownerSource = await createDataSource({ url: config.DATABASE_URL, poolSize: 2 }).initialize();
  const past = new Database(ownerSource);
  const history = await seedDemoHistory(
    past,
    {
      queueId: queue.id,
      apiKeyId: apiKey.id,
      service: apiKey.service,
      reviewer: { id: reviewer.id, email: reviewer.email },
      autoApproveAbove: 0.97,
      qaSampleRate: 0.1,
    },
    [
      // The version before: steady, about one output in ten changed by people.
      {
        version: '2026-10',
        items: 2200,
        fromDaysAgo: 24,
        toDaysAgo: 11,
        overrideRisk: (c) => 0.02 + 0.3 * (1 - c),
      },
      // The version live now: as good at first, then worse (as after a change upstream of the model).
      {
        version: '2026-11',
        items: 1800,
        fromDaysAgo: 11,
        toDaysAgo: 0,
        overrideRisk: (c) => 0.02 + 0.3 * (1 - c),
        driftAfter: 1100,
        driftedRisk: (c) => 0.12 + 0.5 * (1 - c),
      },
    ],
  );

  const { results } = await app.get(GoldService).add(admin, queue.slug, {
    items: DEMO_GOLD.map((gold) => ({
      model: { name: 'ticket-triage', version: '2026-11' },
      input: { ticket: gold.ticket },
      output: gold.output,
      confidence: gold.confidence,
      expected: gold.expected,
    })),
  });
  const gold = await seedDemoGold(past, {
    queueId: queue.id,
    apiKeyId: apiKey.id,
    service: apiKey.service,
    templateIds: results.map((r) => {
      if ('error' in r) throw new Error(`demo gold item ${r.index} refused: ${r.error.message}`);
      return r.id;
    }),
    reviewers: [
      { id: reviewer.id, email: reviewer.email, decided: 11, accuracy: 0.9 },
      { id: reviewer2.id, email: reviewer2.email, decided: 9, accuracy: 0.7 },
    ],
  });
  const twoReviews = await seedDemoSecondReview(
    past,
    {
      queueId: secondReview.id,
      adjudicationQueueId: adjudication.id,
      apiKeyId: apiKey.id,
      service: apiKey.service,
      reviewers: [
        { id: reviewer.id, email: reviewer.email },
        { id: reviewer2.id, email: reviewer2.email },
      ],
      adjudicator: { id: lead.id, email: lead.email },
    },
    { past: 150, adjudicationsWaiting: 3, fresh: 3, awaitingSecond: 5 },
  );

  const ingest = app.get(IngestService);
  const service = {
    kind: 'service' as const,
    keyId: apiKey.id,
    service: apiKey.service,
    queueIds: new Set([queue.id]),
  };
  const tickets: [string, string, number][] = [
    ['My invoice shows two charges for November.', 'billing', 0.61],
    ['The parcel says delivered but nothing arrived.', 'delivery', 0.55],
    ['App crashes when I upload a photo.', 'technical', 0.72],
    ['Can I change the colour of my order?', 'other', 0.4],
  ];
  for (const [i, [text, category, confidence]] of tickets.entries()) {
    const dto = plainToInstance(SubmitItemDto, {
      externalId: `demo-ticket-${i + 1}`,
      model: { name: 'ticket-triage', version: '2026-11' },
      input: { ticket: text },
      output: { category, reply: 'Thanks for reaching out, we are looking into it.' },
      confidence,
      reason: 'low_confidence',
      priority: i === 1 ? 50 : 0,
    });
    await ingest.submit(service, queue.slug, dto);
  }
  await ownerSource.destroy();

  console.log(`\nArbiter demo is set up: ${url}  (API docs ${url}/docs)`);
  for (const [role, login] of logins) console.log(`  ${role.padEnd(9)} ${login.email} / ${login.password}`);
  console.log(
    `  queue     demo-support (${tickets.length} items waiting), escalations go to demo-escalations`,
  );
  console.log(
    `  gold      ${DEMO_GOLD.length} gold items in demo-support (goldRate 0.05), ${gold.decisions} past gold ` +
      'decisions by the two reviewers: their accuracy is on Monitoring > Reviewers',
  );
  console.log(
    `  2 reviews demo-second-review: ${twoReviews.items} items, each reviewed by reviewer and reviewer2 ` +
      `(${twoReviews.disagreements} disagreements went to demo-adjudication, ${twoReviews.waiting} still wait ` +
      `for lead to adjudicate); ${twoReviews.open} wait for a review now`,
  );
  console.log(
    `  history   ${history.items} past items of ticket-triage 2026-10 and 2026-11 (${history.humanDecisions} human ` +
      'decisions); 2026-11 drifts, so its alert opens and its auto-approvals are suspended once the worker runs',
  );
  console.log(`  service   demo-service, API key (shown once): ${apiKey.key}`);
  console.log(`            webhook secret: ${apiKey.webhookSecret}`);
  console.log(
    `  try it:   curl -X POST ${url}/api/v1/queues/demo-support/items -H 'X-API-Key: ${apiKey.key}' \\`,
  );
  console.log(
    `              -H 'Content-Type: application/json' -d '{"externalId":"t-1","model":{"name":"m","version":"1"},` +
      `"input":{"ticket":"hi"},"output":{"category":"other","reply":"Hello"},"confidence":0.5,"reason":"low_confidence"}'\n`,
  );
}
await app.close();
