import { IsAfterField, IsIsoTime } from '@arbiter/audit';
import {
  ALERT_STATES,
  type AlertState,
  type Bucket,
  BUCKETS,
  MaxLengthLimit,
  SLUG_PATTERN,
} from '@arbiter/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

/** A time range over hourly rollups: from the hour `from` falls in, up to (not including) `to`. */
export class MonitoringRangeQueryDto {
  @ApiPropertyOptional({ description: 'Decided at or after this time (ISO 8601; resolved to its hour)' })
  @IsOptional()
  @IsIsoTime()
  from?: string;

  @ApiPropertyOptional({ description: 'Decided before this time (ISO 8601; must be later than from)' })
  @IsOptional()
  @IsIsoTime()
  @IsAfterField('from')
  to?: string;
}

export class ListModelsQueryDto extends MonitoringRangeQueryDto {
  @ApiPropertyOptional({ description: 'Queue slug (an unknown slug answers 404 NOT_FOUND)' })
  @IsOptional()
  @Matches(SLUG_PATTERN, { message: 'queue must be a queue slug' })
  queue?: string;
}

export class ModelDetailQueryDto extends MonitoringRangeQueryDto {
  @ApiPropertyOptional({ enum: BUCKETS, default: 'hour' })
  @IsOptional()
  @IsIn(BUCKETS)
  bucket?: Bucket;
}

export class ListAlertsQueryDto {
  @ApiPropertyOptional({ enum: ALERT_STATES })
  @IsOptional()
  @IsIn(ALERT_STATES)
  state?: AlertState;

  @ApiPropertyOptional({ description: 'Queue slug (an unknown slug answers 404 NOT_FOUND)' })
  @IsOptional()
  @Matches(SLUG_PATTERN, { message: 'queue must be a queue slug' })
  queue?: string;
}

export class AcknowledgeAlertDto {
  @ApiProperty({
    maxLength: 10000,
    description: 'Why the alert is acknowledged (what was found, what was done)',
  })
  @IsString()
  @Matches(/\S/, { message: 'comment must not be empty' })
  @MaxLengthLimit('commentLength')
  comment!: string;
}

/** Reviewer quality over decisions made in [from, to), exactly (not resolved to hours: no rollup is read). */
export class ListReviewersQueryDto extends ListModelsQueryDto {}
