/**
 * The servers of a run: the control API and the inspector, opened once the tree runs, closed
 * when the run ends. Owned by one actor, so a server that comes up after the end is closed too.
 */
import { type ControlServer, createControlServer } from '../control/server.ts';
import { toError } from '../core/errors.ts';
import { createInspectorServer, type InspectorServer } from '../inspector/server.ts';
import { type AnyActorRef, fromCallback } from '../internal/xstate.ts';
import type { RunEvent } from './run-events.ts';
import type { ResolvedRunOptions } from './run-options.ts';

/** The run as its servers see it: they send it `run.request`, and read its tags. */
interface RunRef {
  send(event: RunEvent): void;
  getSnapshot(): { status: string; hasTag(tag: string): boolean };
}

/** What {@link runServers} needs. @internal */
export interface RunServersInput {
  readonly actor: AnyActorRef;
  readonly options: ResolvedRunOptions;
  readonly run: RunRef;
}

/**
 * On `servers.open`, opens the control API, then the inspector, as the options ask, and sends
 * back `servers.opened` (or `run.fail` with what could not start). Reads the run's tags:
 * `draining` for `/readyz`, `ending` to close at once what comes up while the run ends.
 * Closes both when the run ends.
 * @internal
 */
export const runServers = fromCallback<{ type: 'servers.open' }, RunServersInput>(
  ({ input, receive, sendBack }) => {
    const { actor, options, run } = input;
    const { logger } = options;
    let ended = false;
    let control: ControlServer | undefined;
    let inspector: InspectorServer | undefined;
    const ending = () => ended || run.getSnapshot().hasTag('ending');

    async function open() {
      let starting = 'the control API';
      try {
        if (options.control) {
          control = await createControlServer(actor, {
            ...options.control,
            logger,
            onShutdown: () => {
              if (run.getSnapshot().status === 'active') run.send({ type: 'run.request' });
            },
            draining: () => run.getSnapshot().hasTag('draining'),
          });
          if (ending()) void control.close();
        }
        if (options.inspector && !ending()) {
          starting = 'the inspector';
          inspector = await createInspectorServer(actor, {
            ...options.inspector,
            logger,
            ...(control && {
              control: {
                url: control.url,
                tokenRequired: options.control?.token !== undefined,
                supervisor: actor,
              },
            }),
          });
          if (ending()) void inspector.close();
        }
        if (ending()) return;
        sendBack({
          type: 'servers.opened',
          ...(control && { control }),
          ...(inspector && { inspector }),
        });
      } catch (e) {
        sendBack({
          type: 'run.fail',
          error: toError(e),
          message: `${starting} could not start; shutting down with code 1`,
        });
      }
    }

    receive(() => void open());
    return () => {
      ended = true;
      void control?.close();
      void inspector?.close();
    };
  },
);
