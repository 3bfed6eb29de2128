/**
 * Helpers for the supervisor tests: a recorded timeline of reports and hooks, and waits on
 * reports instead of sleeps.
 */
import { type AnyActorRef, createActor, waitFor } from 'xstate';
import {
  createService,
  createSupervisor,
  type ServiceContext,
  type ServiceOptions,
  type SupervisorOptions,
  type SupervisorReport,
  shutdown,
} from '../../src/index.ts';
import { advanceInSteps } from './async.ts';
import { type CapturingLogger, createCapturingLogger } from './capture-logger.ts';

/** Everything that happened, in order: reports (`type path`) and hook calls (`onStart a`). */
export type Timeline = string[];

/** A service whose hooks are written to the timeline; extra options pass through. */
export function tracked(
  timeline: Timeline,
  options: Omit<Partial<ServiceOptions>, 'onStart' | 'onStop'> & {
    id: string;
    onStart?: (ctx: ServiceContext) => unknown;
    onStop?: (ctx: ServiceContext) => unknown;
  },
): ReturnType<typeof createService> {
  const { id } = options;
  return createService({
    minPeriod: 5,
    iterate() {},
    ...options,
    onStart: async (ctx) => {
      timeline.push(`onStart ${id}@${ctx.generation}`);
      return options.onStart?.(ctx);
    },
    onStop: async (ctx) => {
      timeline.push(`onStop ${id}@${ctx.generation}`);
      return options.onStop?.(ctx);
    },
  });
}

export interface Started {
  readonly actor: AnyActorRef;
  readonly logger: CapturingLogger;
  readonly reports: SupervisorReport[];
}

/** Starts a supervisor with a capturing logger; every report is recorded (and in `timeline`). */
export function startSupervisor(
  options: Omit<SupervisorOptions, 'logger'>,
  timeline?: Timeline,
): Started {
  const logger = createCapturingLogger();
  const actor = createActor(createSupervisor({ ...options, logger }));
  const reports: SupervisorReport[] = [];
  actor.on('*', (r) => {
    const report = r as unknown as SupervisorReport;
    reports.push(report);
    timeline?.push(`${report.type} ${report.path.join('/')}`);
  });
  actor.start();
  return { actor, logger, reports };
}

/** Resolves with the next report matching `type` (and `test`). */
export function nextReport(
  actor: AnyActorRef,
  type: SupervisorReport['type'],
  test: (r: SupervisorReport) => boolean = () => true,
): Promise<SupervisorReport> {
  return new Promise((resolve) => {
    const sub = actor.on(type, (r) => {
      const report = r as unknown as SupervisorReport;
      if (test(report)) {
        sub.unsubscribe();
        resolve(report);
      }
    });
  });
}

/** Waits until the actor's top-level state is `state`. */
export async function reach(actor: AnyActorRef, state: string, timeout = 5_000): Promise<void> {
  await waitFor(actor, (s) => (s as { matches(v: string): boolean }).matches(state), { timeout });
}

/** Under fake timers: shuts the actor down, moving simulated time (up to `ms`) until it has. */
export async function shutdownInSteps(actor: AnyActorRef, ms = 2_000, step = 10): Promise<void> {
  const done = shutdown(actor);
  await advanceInSteps(ms, step);
  await done;
}
