import { actorOf, type UserPrincipal } from '@arbiter/auth';
import {
  canonicalJson,
  DomainError,
  type ErrorDetail,
  type GoldBatchDto,
  type GoldBatchResult,
  type GoldEntryResult,
  GoldItemDto,
  limits,
  refusalOf,
  validateInput,
} from '@arbiter/contracts';
import { type Queue, QueueService } from '@arbiter/queues';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { NewGoldTemplate } from './gold-template.js';
import { GoldTemplateRepository } from './gold-template.repository.js';

/** Admins add gold items: outputs with a known correct decision, judged entry by entry like a batch submit. */
@Injectable()
export class GoldService {
  constructor(
    private readonly queues: QueueService,
    private readonly templates: GoldTemplateRepository,
  ) {}

  async add(principal: UserPrincipal, slug: string, dto: GoldBatchDto): Promise<GoldBatchResult> {
    if (dto.items.length > limits.batchItems) {
      throw DomainError.validation([
        { path: 'items', message: `a request holds at most ${limits.batchItems} gold items` },
      ]);
    }
    const queue = await this.queues.get(principal, slug);
    const results: GoldEntryResult[] = new Array(dto.items.length);
    const accepted: { index: number; template: NewGoldTemplate }[] = [];
    for (const [index, entry] of dto.items.entries()) {
      try {
        accepted.push({ index, template: this.prepare(queue, validateInput(GoldItemDto, entry)) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        results[index] = { index, error: refusalOf(error) };
      }
    }
    await this.templates.insertMany(
      queue.id,
      accepted.map((a) => a.template),
      actorOf(principal),
    );
    for (const { index, template } of accepted) results[index] = { index, id: template.id };
    return { results };
  }

  private prepare(queue: Queue, dto: GoldItemDto): NewGoldTemplate {
    const problems = [...this.queues.outputProblems(queue, dto.output), ...this.expectedProblems(queue, dto)];
    if (problems.length > 0) throw DomainError.validation(problems);
    return {
      id: randomUUID(),
      modelName: dto.model.name,
      modelVersion: dto.model.version,
      input: dto.input,
      output: dto.output,
      confidence: dto.confidence ?? null,
      reason: dto.reason ?? null,
      metadata: dto.metadata ?? {},
      expectedVerdict: dto.expected.verdict,
      expectedOutput: dto.expected.verdict === 'correct' ? dto.expected.output : null,
    };
  }

  /** `correct` needs the corrected output (valid, and a change); approve and reject take none. */
  private expectedProblems(queue: Queue, dto: GoldItemDto): ErrorDetail[] {
    const path = 'expected.output';
    const given = dto.expected.output !== undefined && dto.expected.output !== null;
    if (dto.expected.verdict !== 'correct') {
      return given ? [{ path, message: `${path} is only given with expected.verdict correct` }] : [];
    }
    if (!given) return [{ path, message: `${path} is required when expected.verdict is correct` }];
    if (canonicalJson(dto.expected.output) === canonicalJson(dto.output)) {
      return [
        {
          path,
          message: `${path} must differ from output (a correction that changes nothing is an approval)`,
        },
      ];
    }
    return this.queues.outputProblems(queue, dto.expected.output, path);
  }
}
