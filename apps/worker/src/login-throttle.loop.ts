import { LoginThrottle } from '@arbiter/auth';
import { Injectable, Logger } from '@nestjs/common';
import { RepeatingTask } from './repeating-task.js';

/** Turns each finished minute of refused sign-ins into one audit event (see LoginThrottle). */
@Injectable()
export class LoginThrottleLoop extends RepeatingTask {
  protected readonly logger = new Logger(LoginThrottleLoop.name);
  protected readonly what = 'sign-in throttle summaries';

  constructor(private readonly throttle: LoginThrottle) {
    super();
  }

  protected intervalMs(): number {
    return 15_000;
  }

  protected async runOnce(): Promise<void> {
    await this.throttle.flushThrottled();
  }
}
