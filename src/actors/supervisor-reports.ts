/**
 * The reports a supervisor makes about its direct children: one event per decision, emitted
 * from the supervisor's actor, and its one log line (decisions 0049 and 0095).
 */
import type { ActorChildSpec } from '../core/child-spec.ts';
import { errorFields, type Logger, takeLogged } from '../core/logger.ts';
import type { SupervisorReport, SupervisorReportType } from '../core/reports.ts';
import { type AnyActorRef, emitFrom } from '../internal/xstate.ts';
import type { SupervisedChild } from './child-contract.ts';

/**
 * Emits one decision about a direct child from `self` and logs it; `restarts` is the count in
 * the supervisor's restart window now. One object per report and one per log line.
 *
 * @example
 * ```ts
 * reportChild(core.self, core.logger, 'child.stopped', rec, 'manual', 0);
 * ```
 */
export function reportChild(
  self: AnyActorRef,
  logger: Logger,
  type: SupervisorReportType,
  rec: SupervisedChild,
  reason: unknown,
  restarts: number,
): void {
  const id = rec.id;
  const generation = rec.generation;
  // One object per report and one per log line, in the key order the reports always had.
  const report: SupervisorReport =
    reason === undefined
      ? { type, id, path: [id], generation, restarts }
      : { type, id, path: [id], generation, reason, restarts };
  emitFrom(self, report);
  if (type === 'child.failed') {
    // One line per failure (decision 0095): a child that logged its failure with its stack
    // (a service) has its report at debug; a child that logs nothing of its own (your own
    // machine) has it here, with the stack once. Decided per failure: the same error object
    // thrown again (a cached one) is a new failure, with its own line.
    if (reason instanceof Error && !takeLogged(reason)) {
      logger.error({ child: id, generation, restarts, ...errorFields(reason) }, type);
    } else {
      const why = reason instanceof Error ? reason.message : reason;
      logger.debug({ child: id, generation, restarts, reason: why }, type);
    }
  } else if (type === 'child.killed') {
    // One line per kill (decision 0049), never a stack: a service writes its own
    // `generation killed` (with its grace period), so this report is at debug; your own
    // machine logs nothing of its own, so this is its line, at warn, with the grace period.
    const why = reason instanceof Error ? reason.message : reason;
    if (rec.spec.kind === 'actor') {
      const { gracePeriod } = rec.spec as ActorChildSpec;
      logger.warn({ child: id, generation, restarts, gracePeriod, reason: why }, type);
    } else {
      logger.debug({ child: id, generation, restarts, reason: why }, type);
    }
  } else if (type === 'child.started') {
    logger.debug({ child: id, generation, restarts }, type);
  } else {
    const why = reason instanceof Error ? reason.message : reason;
    logger.info({ child: id, generation, restarts, reason: why }, type);
  }
}

/**
 * A report of a child supervisor, emitted again from `self` with the child's id in front of
 * its path (so the root's listeners hear the whole tree).
 *
 * @example
 * ```ts
 * actor.on('*', (report) => bubbleReport(core.self, rec, report));
 * ```
 */
export function bubbleReport(
  self: AnyActorRef,
  rec: SupervisedChild,
  report: { type: string },
): void {
  const r = report as SupervisorReport;
  emitFrom(self, { ...r, path: [rec.id, ...r.path] });
}
