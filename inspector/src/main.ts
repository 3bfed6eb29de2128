/**
 * The inspector page: the live supervision tree of an app, fed by the inspector server's
 * WebSocket (`ws` next to the page: one snapshot, then deltas; see src/inspector/protocol.ts).
 * Messages only update the model ({@link InspectorStore}); the DOM is drawn at most once per
 * animation frame, and only what changed, so 1,000 services in a restart storm stay smooth.
 *
 * Hooks for tests (stable; test/inspector/page.browser.test.ts uses them):
 * - `body[data-connection]`: `connecting`, `open` or `disconnected`; `[data-testid="connection"]`
 *   says it in words and `[data-testid="banner"]` shows "Disconnected — reconnecting…".
 * - Tree rows: `.node` with `data-key`, `data-kind` (`supervisor|service|actor`), `data-state`,
 *   `data-status`, `data-generation`, `data-path` (the path joined by `/`, our nodes only) and
 *   `data-testid="node-<path joined by '/'>"` (the id for a top supervisor, whose path is empty,
 *   and for other actors); the selected one has `aria-selected="true"`. Cells: `.node-id`,
 *   `.node-state`, `.node-gen` (`gen N`), `.node-figs`; the open/close toggle: `.node-toggle`.
 *   The list is virtual: only rows in view (and a margin of 12) exist, in no particular DOM
 *   order (each is placed with a transform); filter or scroll to reach the others.
 * - `[data-testid="filter"]`: the filter box (tree and table).
 * - `[data-testid="view-tree"]`, `[data-testid="view-table"]` (`aria-pressed`): which view the
 *   left panel shows. The table, `[data-testid="service-table"]`: `tbody tr[data-key][data-state]`
 *   with `td[data-col]` cells (`name`, `kind`, `state`, `generation`, `failures`, `restarts`,
 *   `rate`, `mean`, `p99`, `error`); headings `th[data-col][aria-sort]` with a button
 *   `[data-testid="sort-<col>"]`.
 * - `[data-testid="details"]`, with the selected node's `data-key`: buttons
 *   `[data-testid="command-<restart|stop|start|hard-reset|fail>"]`; `[data-testid="command-result"]`
 *   with `data-status` `pending`, `token` (waiting for the token), `ok` or `error`;
 *   `[data-testid="last-error"]`, `[data-testid="options"]`, `[data-testid="events"]`, and
 *   `[data-testid="statechart"]`, whose `g.chart-state[data-state-id]` have the class `active`
 *   for the node's current state(s), drawn in `svg > g.chart-viewport` (the zoom and pan are its
 *   transform); the chart has `data-fitted` (`true` until a zoom or pan) and `data-zoom` (the
 *   scale, 1 = the page's text size); buttons `[data-testid="chart-zoom-in"]`, `chart-zoom-out`
 *   and `chart-fit`. `[data-testid="context"]` (a user machine's context).
 * - The event box of a supervised user actor, `[data-testid="event-box"]`: buttons
 *   `[data-testid="event-button"][data-event="<type>"]` for the events its current state takes,
 *   `[data-testid="event-json"]` (any event as JSON), `[data-testid="event-send"]`, and
 *   `[data-testid="event-result"]` with `data-status` as for `command-result`.
 * - `[data-testid="token-form"]`, `[data-testid="token-input"]`, `[data-testid="token-submit"]`.
 * - `[data-testid="timeline"]` of `li.report[data-type][data-seq][data-key]`, newest first;
 *   `[data-testid="timeline-type"]` (a select), `[data-testid="timeline-only-selected"]` and
 *   `[data-testid="timeline-count"]`.
 * - `[data-testid="splitter"]`: the separator between tree and details (drag it, or arrows when
 *   focused); `aria-valuenow` is the tree's share of the width in %. `[data-testid="splitter-rows"]`:
 *   the one above the timeline and system panels; `aria-valuenow` is their share of the height.
 * - `[data-testid="count-<state>"]`: how many of our nodes are in each state.
 * - The system panel, `[data-testid="system"]`: the latest figures in `[data-testid="sys-lag"]`,
 *   `sys-memory`, `sys-cpu`, `sys-handles`, `sys-restarts`; charts (SVG) `chart-lag`,
 *   `chart-memory`, `chart-cpu`, `chart-restarts`, each with `data-max` (the largest value in
 *   view), `data-last` and `data-count` (samples drawn).
 */
import type { SnapshotMessage, TimelineEntry } from '../../src/inspector/protocol.ts';
import { ClusterView } from './cluster-view.ts';
import { connect } from './connection.ts';
import { DetailsView } from './details-view.ts';
import { HeaderView } from './header-view.ts';
import { initSplitter } from './splitter.ts';
import { InspectorStore } from './store.ts';
import { SystemView } from './system-view.ts';
import { TableView } from './table-view.ts';
import { TimelineView } from './timeline-view.ts';
import { TokenForm } from './token-form.ts';
import { TreeView } from './tree-view.ts';

/** The protocol this page speaks; typed from the server's, so a bump there fails the build. */
const PROTOCOL: SnapshotMessage['protocol'] = 1;

const byId = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}; index.html and main.ts disagree.`);
  return el;
};

const store = new InspectorStore();
const tokenForm = new TokenForm();
const header = new HeaderView(byId('header'), byId('banner'), tokenForm.el);
const tree = new TreeView(byId('tree'), store, { onSelect: (key) => select(key) });
const details = new DetailsView(byId('details'), store, tokenForm);
const timeline = new TimelineView(byId('timeline'), store, { onSelect: selectEntry });
const system = new SystemView(byId('system'));
const table = new TableView(byId('table'), store.nodes, { onSelect: (key) => select(key) });
// The replicas of the cluster this app joined, if any (hidden otherwise).
new ClusterView(byId('details').parentElement ?? document.body);

/** The tree panel shows the tree or the table. */
function showView(view: 'tree' | 'table'): void {
  byId('view-tree').setAttribute('aria-pressed', String(view === 'tree'));
  byId('view-table').setAttribute('aria-pressed', String(view === 'table'));
  byId('tree').hidden = view !== 'tree';
  table.setShown(view === 'table');
}
byId('view-tree').addEventListener('click', () => showView('tree'));
const app = document.querySelector('.app') as HTMLElement;
initSplitter(byId('splitter'), app);
initSplitter(byId('splitter-rows'), app, {
  axis: 'y',
  property: '--lower-share',
  key: 'xss-inspector-lower-share',
  min: 15,
  max: 70,
});
byId('view-table').addEventListener('click', () => showView('table'));

/** The selection, by key and by identity (ids from the top), which outlives the key. */
let selected: { key: string; identity: string } | null = null;

function select(key: string, reveal = false): void {
  selected = { key, identity: tree.identityOf(key) ?? '' };
  tree.select(key, reveal);
  table.select(key);
  details.show(key);
  timeline.setSelected(store.nodes.get(key));
}

function selectEntry(entry: TimelineEntry): void {
  let key = entry.key !== null && store.nodes.has(entry.key) ? entry.key : undefined;
  if (!key) {
    const path = entry.path.join('/');
    for (const node of store.nodes.values())
      if (node.path && node.path.join('/') === path && node.kind !== 'actor') key = node.key;
  }
  if (key) select(key, true);
}

const filter = byId('filter') as HTMLInputElement;
filter.addEventListener('input', () => {
  tree.setFilter(filter.value);
  table.setFilter(filter.value);
});

let frame = 0;
const schedule = () => {
  if (frame === 0) frame = requestAnimationFrame(render);
};

function render(): void {
  frame = 0;
  const changes = store.changes;
  if (!changes.any) return;
  tree.render(changes);
  if (changes.all || changes.structure || changes.nodes.size > 0) table.changed();
  // The selected node replaced (a new snapshot, a new actor for the same id): follow it.
  if (selected && (changes.all || !store.nodes.has(selected.key))) {
    const key = tree.keyOf(selected.identity);
    if (key !== undefined) select(key);
    else if (details.key !== null) {
      // Gone without a successor (yet): say so, and take it back if it returns.
      tree.select(null);
      details.show(null);
    }
  }
  if (!selected && store.root !== null && store.nodes.has(store.root)) select(store.root);
  details.render(changes);
  timeline.render(changes);
  if (changes.all || changes.system) system.render(store.system);
  if (changes.all || changes.structure || changes.nodes.size > 0) header.renderCounts(store);
  changes.clear();
}

// Deltas are only meaningful after this connection's snapshot.
let synced = false;
const url = new URL('ws', location.href);
url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
connect(url, {
  onState(state) {
    if (state !== 'open') synced = false;
    header.setConnection(state);
  },
  onMessage(message) {
    if (message.type === 'snapshot') {
      header.setProblem(
        message.protocol === PROTOCOL
          ? null
          : `This page speaks inspector protocol ${PROTOCOL}, the app ${String(message.protocol)}: reload the page.`,
      );
      store.reset(message);
      synced = true;
      header.setRoot(message.title);
      tokenForm.offer(message.control.enabled && message.control.tokenRequired);
    } else if (synced && message.type === 'delta') {
      store.apply(message);
    } else return;
    schedule();
  },
});
