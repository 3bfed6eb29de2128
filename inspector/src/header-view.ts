/**
 * The header: the app's name, the connection's state (and the banner that says clearly when
 * the page is disconnected), and how many nodes are in each lifecycle state.
 */
import type { ConnectionState } from './connection.ts';
import { h, type Slot, slot, writeText } from './dom.ts';
import { LIFECYCLE_STATES } from './node-text.ts';
import type { InspectorStore } from './store.ts';

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  disconnected: 'Disconnected — reconnecting…',
};

/**
 * The header and the disconnection banner.
 *
 * @example
 * ```ts
 * const header = new HeaderView(headerEl, bannerEl);
 * header.setConnection('disconnected'); // the banner shows
 * ```
 */
export class HeaderView {
  private readonly rootName: HTMLElement;
  private readonly connection: HTMLElement;
  private readonly counts = new Map<string, { el: HTMLElement; text: Slot }>();
  private problem: string | null = null;
  private state: ConnectionState = 'connecting';

  private readonly banner: HTMLElement;

  constructor(header: HTMLElement, banner: HTMLElement, tokenForm: HTMLElement) {
    this.banner = banner;
    this.rootName = h('span', { class: 'root-name', 'data-testid': 'root-name' });
    this.connection = h('span', {
      class: 'connection',
      'data-testid': 'connection',
      role: 'status',
    });
    const counts = h('div', { class: 'counts', 'aria-label': 'Nodes per state' });
    for (const state of LIFECYCLE_STATES) {
      const el = h('span', {
        class: 'count',
        'data-state': state,
        'data-testid': `count-${state}`,
        title: state,
      });
      counts.append(el);
      this.counts.set(state, { el, text: slot() });
    }
    header.append(
      h('h1', null, h('span', { class: 'brand' }, 'xstate-supervisor'), ' inspector'),
      this.rootName,
      this.connection,
      counts,
      tokenForm,
    );
    this.setConnection('connecting');
  }

  /** Shows the connection's state; `disconnected` raises the banner. */
  setConnection(state: ConnectionState): void {
    this.state = state;
    document.body.dataset.connection = state;
    this.connection.dataset.state = state;
    this.connection.textContent = CONNECTION_TEXT[state];
    this.renderBanner();
  }

  /** A problem that outlasts reconnection (a page of another protocol version), or `null`. */
  setProblem(message: string | null): void {
    this.problem = message;
    this.renderBanner();
  }

  /** Names the inspected app. */
  setRoot(name: string): void {
    this.rootName.textContent = name;
    document.title = `${name} · inspector`;
  }

  /** Counts our nodes per lifecycle state (a pass over the nodes, once per frame at most). */
  renderCounts(store: InspectorStore): void {
    const totals = new Map<string, number>();
    for (const node of store.nodes.values())
      if (node.kind !== 'actor') totals.set(node.state, (totals.get(node.state) ?? 0) + 1);
    for (const [state, { el, text }] of this.counts) {
      const n = totals.get(state) ?? 0;
      writeText(el, text, `${n} ${state}`);
      el.classList.toggle('zero', n === 0);
    }
  }

  private renderBanner(): void {
    const text =
      this.problem ?? (this.state === 'disconnected' ? CONNECTION_TEXT.disconnected : null);
    this.banner.hidden = text === null;
    if (text !== null) this.banner.textContent = text;
  }
}
