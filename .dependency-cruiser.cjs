/**
 * The layer rule (CONTRIBUTING.md, "Layers"): each folder of src/ imports only from the folders
 * below it in LAYERS, type-only imports included; src/core imports nothing at run time but
 * itself; no file cycles. `npm test` runs it (`npm run layers`).
 */
const LAYERS = [
  'core', // pure: options and their validation, exit reasons, restart decision, errors, logger
  'internal', // the XState bindings (the one file of XState-private calls), waiters, the telemetry slot
  'actors', // the runtime: loops, child records, the supervisor core, the tree
  'machines', // the XState machines users build: createService, createSupervisor, supervise
  'kinds', // the ready kinds built on createService
  'isolation', // worker-thread and child-process services, the process hub
  'durable', // PostgreSQL and Redis: durable queues, singletons, cluster cron
  'control', // the HTTP control API, its client, metrics
  'telemetry', // OpenTelemetry
  'inspector', // the inspector's server and model
  'run', // run(): the process around a tree
  'testing', // xstate-supervisor/testing
  'cli', // the CLI's commands and the launcher
];

const forbidden = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer} may import only from ${LAYERS.slice(0, i).join(', ') || 'itself'}: move the code down, or the import up`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/|^src/[^/]+[.]ts$` },
}));

const listed = `^src/(${LAYERS.join('|')})/`;

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: 'folder-not-in-layers',
      comment: 'every folder of src/ has its place in LAYERS (.dependency-cruiser.cjs); add it there',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: listed },
      to: {},
    },
    {
      name: 'to-folder-not-in-layers',
      comment: 'every folder of src/ has its place in LAYERS (.dependency-cruiser.cjs); add it there',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/[^/]+/', pathNot: listed },
    },
    {
      name: 'core-is-pure',
      comment: 'src/core runs without Node or XState at run time (type-only imports of xstate allowed)',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['npm', 'npm-peer', 'npm-dev', 'core'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'xstate-through-one-file',
      comment: 'XState is called only through src/internal/xstate.ts (type-only imports of its public types are fine)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/internal/xstate[.]ts$' },
      to: { path: 'node_modules/xstate/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-cycles',
      comment: 'no import cycles between files, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
