import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MinLength, ValidateIf } from 'class-validator';
import { limits } from './limits.js';
import { IsJsonValue, MaxLengthLimit, only, quickPath, SLUG_PATTERN, UUID_PATTERN } from './validation.js';
import {
  type AssignItem,
  type DecideRequest,
  type DecisionRequest,
  type EscalationRequest,
  type JsonValue,
  type ReviewVerdict,
  VERDICTS,
} from './wire/index.js';

export class QueueRefDto {
  @ApiProperty({ description: 'Queue slug' })
  @Matches(SLUG_PATTERN, { message: 'queue must be a queue slug' })
  queue!: string;
}

export class ClaimTokenDto {
  @ApiProperty()
  @IsString()
  @Length(16, 128)
  token!: string;
}

export class DecisionBodyDto implements DecisionRequest {
  @ApiProperty({ enum: VERDICTS })
  @IsIn(VERDICTS)
  verdict!: ReviewVerdict;

  @ApiPropertyOptional({ description: 'The corrected output; required for correct' })
  @IsOptional()
  @IsJsonValue()
  output?: JsonValue;

  @ApiPropertyOptional({ maxLength: 10000 })
  @IsOptional()
  @IsString()
  @MaxLengthLimit('commentLength')
  comment?: string;
}

export class DecideDto extends DecisionBodyDto implements DecideRequest {
  @ApiProperty()
  @IsString()
  @Length(16, 128)
  token!: string;
}

const QUEUE_REF_FIELDS: ReadonlySet<string> = new Set(['queue']);
const DECIDE_FIELDS: ReadonlySet<string> = new Set(['token', 'verdict', 'output', 'comment']);
/**
 * A claim token as the API makes them (base64url). Any other text, even one @Length would take, is left to
 * class-validator, whose length counts a surrogate pair as one character.
 */
const TOKEN_TEXT = /^[A-Za-z0-9_-]{16,128}$/;

/** claim:next and queue:subscribe as they come, without class-validator (see quickPath). */
export function quickQueueRef(plain: Record<string, unknown>): QueueRefDto | null {
  if (!only(plain, QUEUE_REF_FIELDS) || typeof plain.queue !== 'string' || !SLUG_PATTERN.test(plain.queue))
    return null;
  return Object.assign(new QueueRefDto(), { queue: plain.queue });
}

/** A decision as it usually comes (no null where a field may be absent), without class-validator. */
export function quickDecide(plain: Record<string, unknown>): DecideDto | null {
  const { token, verdict, output, comment } = plain;
  const valid =
    only(plain, DECIDE_FIELDS) &&
    typeof token === 'string' &&
    TOKEN_TEXT.test(token) &&
    (VERDICTS as readonly unknown[]).includes(verdict) &&
    output !== null &&
    (comment === undefined || (typeof comment === 'string' && comment.length <= limits.commentLength));
  return valid ? Object.assign(new DecideDto(), plain) : null;
}

export class EscalationBodyDto implements EscalationRequest {
  @ApiProperty({ maxLength: 10000 })
  @IsString()
  @MinLength(1)
  @MaxLengthLimit('commentLength')
  comment!: string;
}

export class EscalateDto extends EscalationBodyDto {
  @ApiProperty()
  @IsString()
  @Length(16, 128)
  token!: string;
}

export class RequeueDto {
  @ApiProperty({ description: 'Slug of the queue the item goes back to' })
  @Matches(SLUG_PATTERN, { message: 'queue must be a queue slug' })
  queue!: string;
}

export class AssignItemDto implements AssignItem {
  @ApiProperty({
    type: 'string',
    format: 'uuid',
    nullable: true,
    description:
      "A reviewer of the item's queue, the only one who may claim it; null: back to the shared line",
  })
  @ValidateIf((_, v) => v !== null)
  @Matches(UUID_PATTERN, { message: 'userId must be a user id (a UUID), or null to unassign' })
  userId!: string | null;
}

quickPath(QueueRefDto, quickQueueRef);
quickPath(DecideDto, quickDecide);
