import { Allow, CurrentPrincipal, type Principal } from '@arbiter/auth';
import type { AlertList, DriftAlert, ModelList, ReviewerList } from '@arbiter/contracts';
import {
  AcknowledgeAlertDto,
  ListAlertsQueryDto,
  ListModelsQueryDto,
  ListReviewersQueryDto,
  ModelDetailQueryDto,
  MonitoringService,
  ReviewerQualityService,
} from '@arbiter/monitoring';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IdPipe } from './id.pipe.js';

const MODEL_SHAPE =
  '{queue, model:{name, version}, decisions, approved, corrected, rejected, overrideRate, ' +
  'overrideInterval:[lo, hi], autoApproved, qaSampled, qaOverrideRate, ece, brier, drift:{state, statistic, ' +
  'threshold, baselineRate, baselineDecisions, observed, openAlertId?}, firstSeenAt, lastDecidedAt}';
const ALERT_SHAPE =
  '{id, queue, model:{name, version}, kind, state, openedAt, baselineRate, observedRate, decisionsSinceChange, ' +
  'statistic, threshold, acknowledgedBy?, acknowledgedByEmail?, acknowledgedAt?, comment?}';

@ApiTags('monitoring')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'UNAUTHENTICATED' })
@ApiResponse({ status: 403, description: 'FORBIDDEN: admins and auditors read, admins acknowledge' })
@Controller('api/v1/monitoring')
export class MonitoringController {
  constructor(
    private readonly monitoring: MonitoringService,
    private readonly reviewers: ReviewerQualityService,
  ) {}

  @Get('models')
  @Allow('admin', 'auditor')
  @ApiOperation({ summary: 'Correctness of every model version: override rates, calibration, drift' })
  @ApiOkResponse({ description: `{models:[${MODEL_SHAPE}]}` })
  @ApiResponse({
    status: 400,
    description: 'VALIDATION_FAILED: an unknown parameter, a bad time, from after to',
  })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no queue with that slug' })
  listModels(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListModelsQueryDto,
  ): Promise<ModelList> {
    return this.monitoring.listModels(principal, query);
  }

  @Get('models/:queue/:name/:version')
  @Allow('admin', 'auditor')
  @ApiOperation({
    summary: 'One model version: override rate over time, field edit rates, calibration, threshold advice',
  })
  @ApiOkResponse({
    description:
      `{model: ${MODEL_SHAPE}, series:[{start, decisions, overrides, overrideRate, overrideInterval}], ` +
      'fields:[{path, edits, present, editRate}], calibration:{bins:[{lo, hi, count, meanConfidence, ' +
      'acceptRate}], ece, brier}, threshold:{targetOverrideRate, suggested, coverage, upperBound, current, ' +
      'curve:[{threshold, coverage, overrideRate, upperBound}]}}',
  })
  @ApiResponse({
    status: 400,
    description: 'VALIDATION_FAILED: an unknown bucket or parameter, from after to',
  })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no such queue, or no decision of that model version' })
  modelDetail(
    @CurrentPrincipal() principal: Principal,
    @Param('queue') queue: string,
    @Param('name') name: string,
    @Param('version') version: string,
    @Query() query: ModelDetailQueryDto,
  ) {
    return this.monitoring.modelDetail(principal, queue, { name, version }, query);
  }

  @Get('reviewers')
  @Allow('admin', 'auditor')
  @ApiOperation({
    summary:
      'Reviewer quality: decisions, decision times, verdict mix, gold accuracy, agreement on second reviews',
  })
  @ApiOkResponse({
    description:
      '{reviewers:[{reviewer:{id, email}, decisions, verdicts:{approve, correct, reject, escalate}, ' +
      'medianDurationMs, p90DurationMs, gold:{scored, correct, accuracy, lowerBound}, ' +
      'agreement:{pairs, percent, kappa, ac1}}]} (percent is a proportion in [0, 1])',
  })
  @ApiResponse({
    status: 400,
    description: 'VALIDATION_FAILED: an unknown parameter, a bad time, from after to',
  })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no queue with that slug' })
  listReviewers(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListReviewersQueryDto,
  ): Promise<ReviewerList> {
    return this.reviewers.list(principal, query);
  }

  @Get('alerts')
  @Allow('admin', 'auditor')
  @ApiOperation({ summary: 'Drift alerts, newest first' })
  @ApiOkResponse({ description: `{alerts:[${ALERT_SHAPE}]}` })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED: an unknown state or parameter' })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no queue with that slug' })
  listAlerts(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListAlertsQueryDto,
  ): Promise<AlertList> {
    return this.monitoring.listAlerts(principal, query);
  }

  @Post('alerts/:id/acknowledge')
  @Allow('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: "Acknowledge an open alert: resets its version's detector and resumes suspended auto-approval",
  })
  @ApiOkResponse({ description: ALERT_SHAPE })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED: a comment is required' })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no such alert' })
  @ApiResponse({ status: 409, description: 'CONFLICT: the alert is already acknowledged' })
  acknowledge(
    @CurrentPrincipal() principal: Principal,
    @Param('id', IdPipe) id: string,
    @Body() dto: AcknowledgeAlertDto,
  ): Promise<DriftAlert> {
    return this.monitoring.acknowledge(principal, id, dto);
  }
}
