import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { jobNamesOf, type JobName, type QueueName } from '@app/contracts';
import { JobProcessor } from './job-processor';
import { QUEUE_MODULE_OPTIONS, type QueueModuleOptions } from './queue-module.options';

/** the metadata key @Processor sets (@nestjs/bullmq's bull.constants, not exported from its index) */
const PROCESSOR_METADATA = 'bullmq:processor_metadata';

/** What one process's processors handle: queue → job name → the processor classes handling it. */
export type HandlerMap = Map<string, Map<string, string[]>>;

/**
 * Compares the handlers found with the contracts (jobNamesOf) and returns every problem, named:
 * a queue this process works (`process`) whose job name has no handler, a job name handled twice, a handler for
 * a name its queue does not carry, a processor on a queue this process is not meant to work, a processor that
 * does not extend JobProcessor (its names cannot be read).
 */
export function handlerProblems(found: HandlerMap, process: readonly QueueName[] | undefined, opaque: string[] = []): string[] {
  const problems: string[] = opaque.map((p) => `${p} does not extend JobProcessor, so its job names cannot be checked`);
  for (const [queue, names] of found) {
    const declared = jobNamesOf(queue) as readonly string[] | undefined;
    if (!declared) problems.push(`a processor works queue ${queue}, which libs/contracts does not declare (jobNamesOf)`);
    else if (process && !process.includes(queue as QueueName)) problems.push(`a processor works queue ${queue}, which this process is not meant to work`);
    for (const [name, classes] of names) {
      if (declared && !declared.includes(name)) problems.push(`${classes.join(', ')} handles ${name}, which queue ${queue} does not carry`);
      if (classes.length > 1) problems.push(`job ${name} on ${queue} has ${classes.length} handlers: ${classes.join(', ')}`);
    }
  }
  for (const queue of process ?? []) {
    const names = found.get(queue);
    for (const name of jobNamesOf(queue) ?? []) {
      if (!names?.has(name)) problems.push(`job ${name} on ${queue} has no handler in this process`);
    }
  }
  return problems;
}

/**
 * Start-up check (QueueModule): every job name of every queue this process works has exactly one handler, and
 * no handler is for a name or queue the contracts do not list. A problem stops the process with the names.
 */
@Injectable()
export class JobHandlerCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(QUEUE_MODULE_OPTIONS) private readonly opts: QueueModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    const found: HandlerMap = new Map();
    const opaque: string[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as (abstract new (...a: never[]) => unknown) | undefined;
      if (!type || !wrapper.instance) continue;
      const meta = Reflect.getMetadata(PROCESSOR_METADATA, type) as { name?: string } | undefined;
      if (!meta?.name) continue;
      if (!(wrapper.instance instanceof JobProcessor)) {
        opaque.push(type.name);
        continue;
      }
      const names = found.get(meta.name) ?? new Map<string, string[]>();
      found.set(meta.name, names);
      for (const name of Object.keys(wrapper.instance.handlers) as JobName[]) names.set(name, [...(names.get(name) ?? []), type.name]);
    }
    const problems = handlerProblems(found, this.opts.process, opaque);
    if (problems.length) throw new Error(`job handler check failed:\n  - ${problems.join('\n  - ')}`);
  }
}
