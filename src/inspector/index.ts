/**
 * `xstate-supervisor/inspector`: the live supervision tree in a local web page, and
 * forwarding to Stately's inspector. `createInspectorServer` is also exported from the root.
 */

export type { SystemSample } from '../control/system-stats.ts';
export type {
  AcceptedEvent,
  ChartState,
  ChartTransition,
  ControlInfo,
  DeltaMessage,
  InspectorNode,
  InspectorNodeKind,
  MachineChart,
  NodeEvent,
  SerializedError,
  ServerMessage,
  SnapshotMessage,
  TimelineEntry,
} from './protocol.ts';
export { INSPECTOR_PROTOCOL } from './protocol.ts';
export {
  type SerialisedError,
  serialiseError,
  serializeError,
} from './serialize.ts';
export {
  createInspectorServer,
  type InspectorControlOptions,
  type InspectorServer,
  type InspectorServerOptions,
} from './server.ts';
export {
  STATELY_FORMAT_VERSION,
  type StatelyInspectionEvent,
  type StatelyTarget,
  toStatelyEvent,
} from './stately.ts';
