import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

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
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
