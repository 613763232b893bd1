import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MinLength, ValidateIf } from 'class-validator';
import { IsJsonValue, MaxLengthLimit, SLUG_PATTERN, UUID_PATTERN } from './validation.js';
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
