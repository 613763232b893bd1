import { DECISION_VERDICTS, DELIVERY_STATUSES, ITEM_STATUSES, REASONS } from '@arbiter/contracts/wire';

// The success answers of the service API, of the review actions over HTTP and of the deliveries list, as
// OpenAPI 3.0 schemas of
// the wire types (libs/contracts/src/wire), so a client generated from /docs-json reads typed answers.
// test/openapi-client.test.ts holds the server's real answers to them.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (name: string) => ({ nullable: true, allOf: [ref(name)] });
const text = { type: 'string' };
const time = { type: 'string', format: 'date-time' };
const maybe = (schema: object) => ({ ...schema, nullable: true });
const object = (properties: Record<string, object>, optional: string[] = []) => ({
  type: 'object',
  required: Object.keys(properties).filter((key) => !optional.includes(key)),
  properties,
});
const json = (description: string) => ({ description });

export const ANSWER_SCHEMAS: Record<string, object> = {
  ModelRef: object({ name: text, version: text }),
  PatchOperation: object(
    {
      op: { type: 'string', enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] },
      path: text,
      from: text,
      value: json('Any JSON'),
    },
    ['from', 'value'],
  ),
  Decision: object({
    id: text,
    itemId: text,
    verdict: { type: 'string', enum: [...DECISION_VERDICTS] },
    output: json('The final output (null for reject)'),
    patch: maybe({
      type: 'array',
      items: ref('PatchOperation'),
      description: "RFC 6902, from the AI's output to the final one ([] for approve, null for reject)",
    }),
    reviewerId: maybe({ ...text, description: 'null for an SLA fallback or an auto-approval' }),
    comment: maybe(text),
    decidedAt: time,
    durationMs: maybe({ type: 'integer' }),
  }),
  AuditEvent: object({
    seq: { type: 'integer' },
    id: text,
    at: time,
    actor: object({
      type: { type: 'string', enum: ['user', 'service', 'system'] },
      id: maybe(text),
      name: maybe(text),
    }),
    action: { ...text, description: 'e.g. item.received, item.claimed, item.decided' },
    subject: object({ type: text, id: text }),
    data: { type: 'object', additionalProperties: true },
  }),
  Item: object(
    {
      id: text,
      queue: { ...text, description: "The queue's slug" },
      status: { type: 'string', enum: [...ITEM_STATUSES] },
      externalId: text,
      service: text,
      model: ref('ModelRef'),
      input: json('Any JSON'),
      output: json('Any JSON; null only for model_error'),
      confidence: maybe({ type: 'number' }),
      reason: { type: 'string', enum: [...REASONS] },
      priority: { type: 'integer' },
      metadata: { type: 'object', additionalProperties: true },
      callbackUrl: maybe(text),
      assigneeId: maybe({
        ...text,
        format: 'uuid',
        description:
          "The reviewer the item is assigned to, the only one who may claim it while it is pending; null: the queue's shared line",
      }),
      slaDeadline: maybe(time),
      slaBreachedAt: maybe(time),
      createdAt: time,
      updatedAt: time,
      decision: { ...nullable('Decision'), description: 'Set once the item is terminal' },
      history: { type: 'array', items: ref('AuditEvent'), description: 'GET /api/v1/items/{id} only' },
    },
    ['history'],
  ),
  BatchResult: object({
    results: {
      type: 'array',
      description:
        'One per submitted entry, in order: accepted {index, id, status} or refused {index, error}',
      items: object(
        {
          index: { type: 'integer' },
          id: text,
          status: { type: 'string', enum: [...ITEM_STATUSES] },
          error: object(
            { code: text, message: text, details: { type: 'array', items: ref('ErrorDetail') } },
            ['details'],
          ),
        },
        ['id', 'status', 'error'],
      ),
    },
  }),
  ErrorDetail: object({ path: text, message: text }),
  Claim: object({ token: text, expiresAt: time }),
  ClaimedItem: object({ item: ref('Item'), claim: ref('Claim') }),
  DecideResult: object(
    {
      decision: ref('Decision'),
      itemStatus: { type: 'string', enum: [...ITEM_STATUSES] },
      movedTo: { ...text, description: 'The queue adjudicating two reviews that disagree' },
    },
    ['movedTo'],
  ),
  ClaimAnswer: object({ claim: ref('Claim') }),
  Ok: object({ ok: { type: 'boolean', enum: [true] } }),
  DeliveryAttempt: object({
    at: time,
    statusCode: maybe({ type: 'integer', description: 'null when no answer came' }),
    error: maybe(text),
    durationMs: maybe({ type: 'integer' }),
  }),
  Delivery: object(
    {
      id: text,
      webhookId: { ...text, description: 'The webhook-id header of every attempt and replay' },
      itemId: maybe({ ...text, description: "null for a drift alert's webhook" }),
      alertId: { ...text, description: 'The drift alert a model.drift_detected webhook tells of' },
      queue: { ...text, description: "The queue's slug" },
      url: text,
      status: { type: 'string', enum: [...DELIVERY_STATUSES] },
      attempts: { type: 'array', items: ref('DeliveryAttempt') },
      createdAt: time,
      nextAttemptAt: maybe({ ...time, description: 'null unless pending' }),
      deliveredAt: maybe(time),
    },
    ['alertId'],
  ),
  DeliveryList: object({
    deliveries: { type: 'array', items: ref('Delivery'), description: 'Newest first' },
    next: maybe({
      ...text,
      description: 'Opaque: the cursor of the page after this one (same filters); null on the last page',
    }),
    total: { type: 'integer', description: 'How many deliveries match the filters, whatever the page' },
  }),
};

/** Which schema each route answers with, by status. */
export const ROUTE_ANSWERS: Record<string, Record<number, string>> = {
  'post /api/v1/queues/{slug}/items': { 200: 'Item', 201: 'Item' },
  'post /api/v1/queues/{slug}/items/batch': { 200: 'BatchResult' },
  'get /api/v1/items/{id}': { 200: 'Item' },
  'post /api/v1/items/{id}/requeue': { 200: 'Item' },
  'post /api/v1/items/{id}/assign': { 200: 'Item' },
  'post /api/v1/queues/{slug}/claim': { 200: 'ClaimedItem' },
  'post /api/v1/claims/{token}/heartbeat': { 200: 'ClaimAnswer' },
  'post /api/v1/claims/{token}/release': { 200: 'Ok' },
  'post /api/v1/claims/{token}/decision': { 200: 'DecideResult', 201: 'DecideResult' },
  'post /api/v1/claims/{token}/escalate': { 200: 'Ok' },
  'get /api/v1/deliveries': { 200: 'DeliveryList' },
  'post /api/v1/deliveries/{id}/replay': { 200: 'Delivery' },
};
