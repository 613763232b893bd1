import { ChainRepository } from '@arbiter/audit';
import { Allow } from '@arbiter/auth';
import type { ChainVerdict } from '@arbiter/contracts';
import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';

const integer = (description: string) => ({ type: 'integer', description });
const text = (description: string) => ({ type: 'string', description });

/** The answer of GET /api/v1/audit/verify. */
const VERDICT_SCHEMA = {
  type: 'object',
  required: [
    'valid',
    'checked',
    'head',
    'sealed',
    'unsealed',
    'lastSealedAt',
    'checkpoint',
    'unsealedOverBound',
  ],
  properties: {
    valid: { type: 'boolean', description: 'Every link holds and so does the latest checkpoint' },
    checked: integer('Links verified in order before the first bad one'),
    head: text('Hash of the last link; 64 zeros for an empty chain'),
    firstInvalidSeq: integer(
      'The first event whose link does not hold, or the first one missing when the chain ends before the ' +
        'latest checkpoint (the number after the last link left: one seal pass links events in sequence order)',
    ),
    sealed: integer('Events in the chain'),
    unsealed: integer('Events written but not sealed yet'),
    lastSealedAt: { type: 'string', format: 'date-time', nullable: true },
    checkpoint: {
      type: 'object',
      nullable: true,
      description:
        'The latest signed checkpoint (null before the first): Ed25519 over the RFC 8785 JSON of ' +
        '{pos, seq, head, at}',
      properties: {
        pos: integer('Chain position of the head it signs'),
        seq: integer('Sequence number of the event at that position'),
        head: text('Hash of the link at that position'),
        at: { type: 'string', format: 'date-time' },
        signature: text('Base64'),
        publicKey: text('Base64 SPKI DER of the key stored with it'),
        signatureValid: { type: 'boolean' },
        keyPinned: {
          type: 'boolean',
          description:
            'Checked with the configured key (AUDIT_PUBLIC_KEY, or the public half of AUDIT_SIGNING_KEY); ' +
            'else with the stored publicKey, which proves less',
        },
        chain: {
          type: 'string',
          enum: ['reaches', 'ends_before', 'differs', 'broken_before', 'unchecked'],
          description:
            'The chain reaches the checkpoint with its hash, ends before it (a cut tail), has another hash there, ' +
            'breaks earlier, or was not compared (bad signature)',
        },
        holds: { type: 'boolean', description: 'signatureValid and chain is reaches' },
      },
    },
    unsealedOverBound: {
      type: 'object',
      description:
        'Events still unsealed AUDIT_UNSEALED_BOUND_MS after they were written: a stopped sealer, reported but ' +
        'never a reason for valid to be false',
      properties: {
        boundMs: { type: 'integer' },
        count: { type: 'integer' },
        oldestAt: { type: 'string', format: 'date-time', nullable: true },
      },
    },
  },
};

@ApiTags('audit')
@ApiBearerAuth()
@Allow('admin', 'auditor')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly chain: ChainRepository) {}

  /**
   * Recomputes the hash chain from the events as stored now and holds it to the latest signed checkpoint.
   * Events written in the last moment may not be sealed yet: `sealed` and `unsealed` say how far the chain reaches.
   */
  @Get('verify')
  @ApiOkResponse({
    description: 'Whether the audit chain holds, and how far it is sealed',
    schema: VERDICT_SCHEMA,
  })
  verify(): Promise<ChainVerdict> {
    return this.chain.verify();
  }
}
