import type { AuditAction, AuditEvent, Item, JsonValue, Queue, User } from '../api/types';

export const demoUser: User = { id: 'demo-user', email: 'reviewer@demo.local', roles: ['reviewer'] };

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

export const demoQueue: Queue = {
  id: 'demo-queue',
  slug: 'support-triage',
  name: 'Support triage',
  leaseSeconds: 300,
  instructions: [
    '## Ticket triage',
    '',
    'Check the **category** and the *priority* the model chose for each support ticket, and fix the summary if it misses the point.',
    '',
    '- Use `billing` for payments, invoices and refunds.',
    '- Use `bug` when the customer reports broken behaviour.',
    '- Mark as `urgent` only if the customer **cannot work at all**.',
    '',
    'See the [triage guide](https://example.com/triage) for edge cases. <script>alert(1)</script> stays text.',
  ].join('\n'),
  outputSchema: {
    type: 'object',
    required: ['category', 'priority', 'summary'],
    additionalProperties: false,
    properties: {
      category: { enum: ['billing', 'bug', 'account', 'other'] },
      priority: { enum: ['low', 'normal', 'urgent'] },
      summary: { type: 'string', minLength: 10, maxLength: 200 },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 5 },
    },
  },
  autoApproveAbove: null,
  slaSeconds: null,
  onSlaBreach: 'keep',
  fallbackOutput: null,
  escalateTo: null,
  reviewsRequired: 1,
  qaSampleRate: 0,
  allowAdminReview: false,
  maxPending: null,
  callbackUrl: null,
  driftDelta: 0.1,
  onDrift: 'alert',
  targetOverrideRate: 0.05,
  alertUrl: null,
  paused: false,
  version: 1,
  createdAt: minutesAgo(60 * 24),
  updatedAt: minutesAgo(60 * 24),
};

type DemoItem = Pick<Item, 'id' | 'externalId' | 'input' | 'output' | 'confidence' | 'reason' | 'priority'>;

/** A claimed item of the demo queue, as a claim answers it. */
const claimed = (item: DemoItem, minutes: number): Item => ({
  ...item,
  queue: demoQueue.slug,
  status: 'claimed',
  service: 'triage',
  model: { name: 'triage-classifier', version: '2025-06-01' },
  metadata: {},
  callbackUrl: null,
  assigneeId: null,
  slaDeadline: null,
  slaBreachedAt: null,
  createdAt: minutesAgo(minutes),
  updatedAt: minutesAgo(minutes),
  decision: null,
});

const ADJUDICATED = '0196f1c2-7a10-7d3e-9b1a-1f2e3d4c5b6c';

/** Two reviews disagreed on it: the workspace shows both beside it (see demoHistories). */
const adjudicatedItem = claimed(
  {
    id: ADJUDICATED,
    externalId: 'ticket-48220',
    input: {
      subject: 'Export to CSV times out',
      body: 'Exporting last year of invoices fails after a minute. Smaller ranges work.',
    },
    output: {
      category: 'billing',
      priority: 'normal',
      summary: 'Customer cannot export a year of invoices to CSV.',
      tags: ['export'],
    },
    confidence: 0.64,
    reason: 'low_confidence',
    priority: 5,
  },
  31,
);

export const demoItems: Item[] = [
  claimed(
    {
      id: '0196f1c2-7a10-7d3e-9b1a-1f2e3d4c5b6a',
      externalId: 'ticket-48213',
      input: {
        subject: 'Charged twice for the March invoice',
        body: 'Hi, my card was charged twice for invoice INV-2031. I can still use the product, but please refund one of the payments.',
        customer: { plan: 'team', tenureMonths: 14 },
      },
      output: {
        category: 'bug',
        priority: 'urgent',
        summary: 'Customer was charged twice and wants a refund.',
        tags: ['payments'],
      },
      confidence: 0.58,
      reason: 'low_confidence',
      priority: 10,
    },
    12,
  ),
  claimed(
    {
      id: '0196f1c2-7a10-7d3e-9b1a-1f2e3d4c5b6b',
      externalId: 'ticket-48217',
      input: { subject: 'Cannot log in since this morning', body: 'SSO redirects forever.' },
      output: null,
      confidence: null,
      reason: 'model_error',
      priority: 0,
    },
    7,
  ),
  adjudicatedItem,
];

const event = (
  seq: number,
  action: AuditAction,
  actor: AuditEvent['actor'],
  data: Record<string, JsonValue>,
  at: string,
): AuditEvent => ({
  seq,
  id: `demo-event-${seq}`,
  at,
  actor,
  action,
  subject: { type: 'item', id: ADJUDICATED },
  data,
});

const system = { type: 'system', id: null, name: 'arbiter' } as const;
const ana = { type: 'user', id: 'demo-ana', name: 'ana@demo.local' } as const;
const ben = { type: 'user', id: 'demo-ben', name: 'ben@demo.local' } as const;

/** The demo's item in adjudication: two reviews that disagree, as GET /api/v1/items/:id tells them. */
export const demoHistories: Record<string, AuditEvent[]> = {
  [ADJUDICATED]: [
    event(1, 'item.received', { type: 'service', id: 'triage', name: 'triage' }, {}, minutesAgo(31)),
    event(
      4,
      'item.decided',
      ana,
      { decisionId: 'demo-decision-1', verdict: 'approve', patch: [], comment: null },
      minutesAgo(20),
    ),
    event(
      7,
      'item.decided',
      ben,
      {
        decisionId: 'demo-decision-2',
        verdict: 'correct',
        patch: [
          { op: 'replace', path: '/category', value: 'bug' },
          { op: 'add', path: '/tags/1', value: 'timeout' },
        ],
        comment: 'A timeout on large exports is a bug, not a billing question.',
      },
      minutesAgo(9),
    ),
    event(
      8,
      'item.escalated',
      system,
      { reason: 'reviewers_disagree', decisionIds: ['demo-decision-1', 'demo-decision-2'] },
      minutesAgo(9),
    ),
  ],
};
