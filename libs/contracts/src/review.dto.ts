import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MinLength } from 'class-validator';
import { IsJsonValue, MaxLengthLimit, SLUG_PATTERN } from './validation.js';

export const VERDICTS = ['approve', 'correct', 'reject'] as const;
export type ReviewVerdict = (typeof VERDICTS)[number];

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

export class DecisionBodyDto {
  @ApiProperty({ enum: VERDICTS })
  @IsIn(VERDICTS)
  verdict!: ReviewVerdict;

  @ApiPropertyOptional({ description: 'The corrected output; required for correct' })
  @IsOptional()
  @IsJsonValue()
  output?: unknown;

  @ApiPropertyOptional({ maxLength: 10000 })
  @IsOptional()
  @IsString()
  @MaxLengthLimit('commentLength')
  comment?: string;
}

export class DecideDto extends DecisionBodyDto {
  @ApiProperty()
  @IsString()
  @Length(16, 128)
  token!: string;
}

export class EscalationBodyDto {
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
