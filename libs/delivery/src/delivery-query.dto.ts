import { DELIVERY_STATUSES, type DeliveryStatus, SLUG_PATTERN } from '@arbiter/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';
import { decodeDeliveryCursor } from './delivery-cursor.js';

export const MAX_DELIVERY_LIST = 1000;
export const REPLAYABLE_STATUSES = ['dead'] as const;

/** A query-string integer stays a string unless it is one, so validation can name it. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

/** Filters of `GET /api/v1/deliveries`; unknown parameters are refused. */
export class ListDeliveriesQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ description: 'Queue slug (an unknown slug answers 404 NOT_FOUND)' })
  @IsOptional()
  @Matches(SLUG_PATTERN, { message: 'queue must be a queue slug' })
  queue?: string;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Extension: at most this many deliveries, newest first',
    minimum: 1,
    maximum: MAX_DELIVERY_LIST,
    default: 100,
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(MAX_DELIVERY_LIST)
  limit?: number;

  @ApiPropertyOptional({
    description:
      'Extension: the `next` of the previous page, for the page after it (send the same filters again). ' +
      'It marks a position in the newest-first order, so under other filters it goes on from there.',
  })
  @IsOptional()
  @ValidateBy({
    name: 'isDeliveryCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodeDeliveryCursor(value) !== null,
      defaultMessage: () => 'cursor must be the next of an earlier page',
    },
  })
  cursor?: string;
}

/** `POST /api/v1/deliveries/replay?status=dead&queue=`. */
export class ReplayDeliveriesQueryDto {
  @ApiProperty({ enum: REPLAYABLE_STATUSES })
  @IsIn(REPLAYABLE_STATUSES)
  status!: (typeof REPLAYABLE_STATUSES)[number];

  @ApiPropertyOptional({ description: 'Only this queue (slug; an unknown slug answers 404 NOT_FOUND)' })
  @IsOptional()
  @Matches(SLUG_PATTERN, { message: 'queue must be a queue slug' })
  queue?: string;
}
