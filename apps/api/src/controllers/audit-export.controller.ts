import {
  type AuditExport,
  AuditExportService,
  DecisionExportQueryDto,
  EventExportQueryDto,
} from '@arbiter/audit';
import { Allow } from '@arbiter/auth';
import { applyDecorators, Controller, Get, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

/** Aborts when the connection closes, so an export nobody is reading stops at once. */
function closeSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
}

function send(reply: FastifyReply, result: AuditExport): void {
  const headers: Record<string, string> = {
    'content-type': result.mediaType,
    'content-disposition': `attachment; filename="${result.fileName}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  for (const [name, value] of Object.entries(result.facts)) headers[`x-${name}`] = value;
  void reply.status(200).headers(headers).send(result.body);
}

const ApiErrors = () =>
  applyDecorators(
    ApiResponse({ status: 400, description: 'VALIDATION_FAILED: an unknown parameter or a bad value' }),
    ApiResponse({ status: 401, description: 'UNAUTHENTICATED' }),
    ApiResponse({ status: 403, description: 'FORBIDDEN: only admins and auditors export' }),
    ApiResponse({ status: 429, description: 'RATE_LIMITED: too many exports running (Retry-After)' }),
  );

@ApiTags('audit')
@ApiBearerAuth()
@Allow('admin', 'auditor')
@Controller('api/v1/audit')
export class AuditExportController {
  constructor(private readonly exports: AuditExportService) {}

  @Get('decisions')
  @ApiOperation({
    summary: 'Decision history, streamed as JSON Lines or CSV',
    description:
      'One row per decision, ordered by decidedAt then decision id: decisionId, itemId, externalId, queue, ' +
      'model {name, version}, confidence, reason, aiOutput, finalOutput, patch, verdict, reviewer {id, email} ' +
      '(null for auto-approvals and fallbacks), comment, receivedAt, decidedAt, timeToDecisionMs, durationMs. ' +
      'CSV flattens model and reviewer into columns, holds outputs and patch as JSON text, and prefixes a ' +
      'cell starting with = + - @ tab or CR with a single quote. `limit` and `order` are extensions for the UI.',
  })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'The export, as an attachment' })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no queue with that slug' })
  @ApiErrors()
  async decisions(@Query() query: DecisionExportQueryDto, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.exports.decisions(query, closeSignal(reply)));
  }

  @Get('events')
  @ApiOperation({
    summary: 'The hash-chained audit event log, streamed as JSON Lines',
    description:
      'One event per line, by sequence number: {seq, id, at, actor, action, subject, queueId, data, chain}, ' +
      'where chain is {pos, prevHash, hash} once the event is sealed and null before. Without chain, a line ' +
      'canonicalises (RFC 8785) to the text its link hashes. `action`, `subject`, `limit` and `order` are ' +
      'extensions for the UI.',
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description: 'The export, as an attachment',
    headers: {
      'X-Audit-Chain-Sealed': {
        description: 'Events sealed when the export began',
        schema: { type: 'integer' },
      },
      'X-Audit-Chain-Head': {
        description: 'Hash of the last link then (64 zeros when none)',
        schema: { type: 'string' },
      },
    },
  })
  @ApiErrors()
  async events(@Query() query: EventExportQueryDto, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.exports.events(query, closeSignal(reply)));
  }
}
