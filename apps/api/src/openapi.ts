import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ANSWER_SCHEMAS, ROUTE_ANSWERS } from './openapi-answers.js';

type Operation = OpenAPIObject['paths'][string]['get'] & object;

/** Routes anyone may call: no 401 or 403. */
const PUBLIC = new Set(['post /api/v1/auth/login', 'get /health/live', 'get /health/ready', 'get /metrics']);

const ERROR_CONTENT = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

/** The `Retry-After` header that comes with 429 and 503. */
const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
};

const IDEMPOTENT_SUBMIT = {
  404: 'NOT_FOUND: no such queue, or not one this key may submit to',
  409: 'IDEMPOTENCY_CONFLICT: the first request with this Idempotency-Key is still in flight',
  422: 'IDEMPOTENCY_CONFLICT: the same Idempotency-Key or externalId with a different body',
  423: 'QUEUE_PAUSED: the queue is paused',
  429: 'RATE_LIMITED: the service or the queue is over its limit (Retry-After)',
};
const ON_A_CLAIM = {
  403: 'NOT_CLAIM_HOLDER: the claim is somebody else’s; FORBIDDEN: not a reviewer of its queue',
  404: 'NOT_FOUND: no such claim',
  409: 'CLAIM_EXPIRED: the lease ran out or the claim ended; ALREADY_DECIDED: it was decided',
};

/** The errors particular to an operation, beyond those every operation of its kind can answer. */
const ROUTE_ERRORS: Record<string, Record<number, string>> = {
  'post /api/v1/auth/login': {
    401: 'UNAUTHENTICATED: wrong email or password, or the account is disabled',
    429: 'RATE_LIMITED: too many failed sign-ins for the account or from the address lately (Retry-After)',
  },
  'post /api/v1/queues': { 409: 'CONFLICT: a queue with this slug exists' },
  'post /api/v1/users': { 409: 'CONFLICT: a user with this email exists' },
  'post /api/v1/queues/{slug}/items': IDEMPOTENT_SUBMIT,
  'post /api/v1/queues/{slug}/items/batch': IDEMPOTENT_SUBMIT,
  'post /api/v1/queues/{slug}/gold': { 404: 'NOT_FOUND: no such queue' },
  'post /api/v1/queues/{slug}/claim': {
    404: 'NOT_FOUND: no such queue',
    409: 'CONFLICT: the reviewer already holds the most live claims allowed',
  },
  'post /api/v1/claims/{token}/heartbeat': ON_A_CLAIM,
  'post /api/v1/claims/{token}/release': ON_A_CLAIM,
  'post /api/v1/claims/{token}/decision': ON_A_CLAIM,
  'post /api/v1/claims/{token}/escalate': ON_A_CLAIM,
  'post /api/v1/items/{id}/requeue': { 409: 'CONFLICT: only an escalated item can be requeued' },
  'post /api/v1/items/{id}/assign': {
    400: 'VALIDATION_FAILED: userId is not a UUID, or not an enabled reviewer of the item’s queue who may review it',
    409: 'CONFLICT: the item is not pending (claimed: assign it once the claim ends; decided, escalated) or is gold',
  },
  'get /health/ready': { 503: 'UNAVAILABLE: Postgres or Redis does not answer' },
  'get /api/v1/audit/verify': {
    429: 'RATE_LIMITED: two verifications are running on this node (Retry-After)',
  },
  'get /metrics': { 401: 'UNAUTHENTICATED: METRICS_TOKEN is set and the request does not bring it' },
};

/**
 * Every operation's error answers, in the contract's error shape: those any operation of its kind gives
 * (validation, authentication, an unknown path parameter, an oversized body, an unavailable database, an
 * unexpected failure) and the ones particular to it. A controller's own descriptions are kept.
 */
function documentErrors(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    Error: {
      type: 'object',
      required: ['statusCode', 'code', 'message'],
      properties: {
        statusCode: { type: 'integer', example: 400 },
        code: { type: 'string', example: 'VALIDATION_FAILED' },
        message: { type: 'string' },
        details: {
          type: 'array',
          description: 'For VALIDATION_FAILED: one entry per problem',
          items: {
            type: 'object',
            required: ['path', 'message'],
            properties: { path: { type: 'string' }, message: { type: 'string' } },
          },
        },
        errorId: { type: 'string', description: 'For INTERNAL_ERROR: quote it when reporting the failure' },
      },
    },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method] as Operation | undefined;
      if (!operation) continue;
      const route = `${method} ${path}`;
      const errors: Record<number, string> = {
        400: 'VALIDATION_FAILED: the request breaks a rule (unknown fields and parameters included); see details',
        500: 'INTERNAL_ERROR: an unexpected failure, with an errorId',
        503: 'UNAVAILABLE: a store Arbiter needs does not answer; retry shortly (Retry-After)',
      };
      if (!PUBLIC.has(route)) {
        errors[401] = 'UNAUTHENTICATED: no credentials, or a bad, expired or revoked one';
        errors[403] = 'FORBIDDEN: the principal may not do this';
      }
      if (path.includes('{')) errors[404] = 'NOT_FOUND: nothing there that the principal may see';
      if (method === 'post' || method === 'patch' || method === 'put') {
        errors[413] = 'PAYLOAD_TOO_LARGE: the body is over the configured limit';
      }
      Object.assign(errors, ROUTE_ERRORS[route]);
      for (const [status, description] of Object.entries(errors)) {
        operation.responses[status] ??= {
          description,
          ...(status === '429' || status === '503' ? { headers: RETRY_AFTER } : {}),
        };
      }
      for (const [status, answer] of Object.entries(operation.responses)) {
        // A controller's own error answers keep their description and get the error shape too.
        if (Number(status) >= 400 && answer && 'description' in answer) answer.content ??= ERROR_CONTENT;
      }
    }
  }
}

/** The success answers' schemas (`openapi-answers.ts`), beside the description each controller gives. */
function documentAnswers(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, ...ANSWER_SCHEMAS };
  for (const [route, answers] of Object.entries(ROUTE_ANSWERS)) {
    const [method, path] = route.split(' ') as ['get' | 'post', string];
    const operation = document.paths[path]?.[method] as Operation | undefined;
    if (!operation) throw new Error(`OpenAPI: ${route} is not an operation`);
    for (const [status, schema] of Object.entries(answers)) {
      const answer = (operation.responses[status] ??= { description: '' });
      if ('description' in answer)
        answer.content = { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } };
    }
  }
}

/**
 * Nest documents a property whose type it cannot see (`JsonValue`, a union) as a bare `type: object`. In these
 * DTOs every such property is any JSON (`input`, `output`, `fallbackOutput`), so the type goes: a bare object
 * would tell clients (and generated types) that a string, array or number is refused.
 */
function documentAnyJson(document: OpenAPIObject): void {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    for (const property of Object.values('properties' in schema ? (schema.properties ?? {}) : {})) {
      const bare = 'type' in property && property.type === 'object' && !property.properties;
      if (bare && !property.additionalProperties && !property.allOf) delete property.type;
    }
  }
}

/** OpenAPI document at /docs-json and its UI at /docs. */
export function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Arbiter')
      .setDescription(
        'Human-in-the-loop review queue for AI outputs. Errors: `{statusCode, code, message, details?}` with codes ' +
          'VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, IDEMPOTENCY_CONFLICT, CLAIM_EXPIRED, ' +
          'NOT_CLAIM_HOLDER, ALREADY_DECIDED, QUEUE_PAUSED, PAYLOAD_TOO_LARGE, RATE_LIMITED, UNAVAILABLE.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
      .build(),
  );
  documentAnyJson(document);
  documentErrors(document);
  documentAnswers(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
