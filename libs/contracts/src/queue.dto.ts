import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { URL_OPTIONS } from './submit-item.dto.js';
import { OptionalNotNull, SLUG_PATTERN } from './validation.js';
import {
  DRIFT_POLICIES,
  type DriftPolicy,
  type JsonSchema,
  type JsonValue,
  type NewQueue,
  type QueueSettings,
  SLA_POLICIES,
  type SlaPolicy,
} from './wire/index.js';

/** Fields an admin may set on a queue; `null` clears an optional one on update. */
export class QueueSettingsDto implements QueueSettings {
  @ApiPropertyOptional({ description: 'Markdown shown to reviewers', maxLength: 100000 })
  @OptionalNotNull()
  @IsString()
  @MaxLength(100_000)
  instructions?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'JSON Schema',
  })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsObject()
  outputSchema?: JsonSchema | null;

  @ApiPropertyOptional({ type: 'number', minimum: 0, maximum: 1, nullable: true })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  autoApproveAbove?: number | null;

  @ApiPropertyOptional({ minimum: 10, maximum: 86400, default: 300 })
  @OptionalNotNull()
  @IsInt()
  @Min(10)
  @Max(86_400)
  leaseSeconds?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 2592000, nullable: true })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsInt()
  @Min(1)
  @Max(30 * 86_400)
  slaSeconds?: number | null;

  @ApiPropertyOptional({ enum: SLA_POLICIES, default: 'keep' })
  @OptionalNotNull()
  @IsIn(SLA_POLICIES)
  onSlaBreach?: SlaPolicy;

  @ApiPropertyOptional({ description: 'Output applied when the SLA passes and the policy is fallback' })
  @OptionalNotNull()
  fallbackOutput?: JsonValue;

  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'Slug of the queue escalations go to' })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @Matches(SLUG_PATTERN, { message: 'escalateTo must be a queue slug' })
  escalateTo?: string | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 2, default: 1 })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(2)
  reviewsRequired?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0 })
  @OptionalNotNull()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  qaSampleRate?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 0.2,
    default: 0,
    description:
      'Share of the items handed to reviewers that are gold items (known answers, scored, never delivered), while ' +
      'real work waits; admins and auditors see it',
  })
  @OptionalNotNull()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.2)
  goldRate?: number;

  @ApiPropertyOptional({
    default: false,
    description: 'Four-eyes: unless true, admins may not claim or decide items of this queue',
  })
  @OptionalNotNull()
  @IsBoolean()
  allowAdminReview?: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    description: 'Backlog cap: with this many items pending, submits are refused with 429 RATE_LIMITED',
  })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  maxPending?: number | null;

  @ApiPropertyOptional({ type: 'string', nullable: true })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  callbackUrl?: string | null;

  @ApiPropertyOptional({
    minimum: 0.01,
    maximum: 0.5,
    default: 0.1,
    description: "The rise in a model version's override rate the drift detector looks for",
  })
  @OptionalNotNull()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(0.5)
  driftDelta?: number;

  @ApiPropertyOptional({
    enum: DRIFT_POLICIES,
    default: 'alert',
    description: "suspend_auto_approve: while a version's drift alert is open, its submissions go to people",
  })
  @OptionalNotNull()
  @IsIn(DRIFT_POLICIES)
  onDrift?: DriftPolicy;

  @ApiPropertyOptional({
    minimum: 0.001,
    maximum: 0.5,
    default: 0.05,
    description: 'Override rate the suggested autoApproveAbove keeps auto-approvals under (95% upper bound)',
  })
  @OptionalNotNull()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(0.5)
  targetOverrideRate?: number;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    description:
      'Receives signed model.drift_detected webhooks; the answer that first sets it shows alertSecret once',
  })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  alertUrl?: string | null;
}

export class CreateQueueDto extends QueueSettingsDto implements NewQueue {
  @ApiProperty({ pattern: SLUG_PATTERN.source })
  @Matches(SLUG_PATTERN, { message: 'slug must match ^[a-z0-9][a-z0-9-]{1,62}$' })
  slug!: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class UpdateQueueDto extends QueueSettingsDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @OptionalNotNull()
  @IsString()
  @Length(1, 200)
  name?: string;
}
