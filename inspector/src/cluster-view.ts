/**
 * The cluster panel: when the inspected replica joined a cluster (`joinCluster`), every
 * replica with its root's state; a click opens one (its children's states, the singletons it
 * holds or waits for, its queues) and, when the replica gave its inspector's URL, a link to
 * that replica's own inspector page. Read from the inspector's `GET /cluster` every 2 s;
 * hidden while the replica is in no cluster (404) or there is no control API (503).
 *
 * Hooks for tests: `[data-testid="cluster"]` (`hidden` when there is no cluster), with
 * `data-count` (replicas listed) and `data-self` (this replica's id); one
 * `li.replica[data-replica=<id>][data-state=<root state>]` per replica, its button
 * `[data-testid="replica-toggle"]` (`aria-expanded`), and once open
 * `[data-testid="replica-children"] li[data-child][data-state]`,
 * `[data-testid="replica-singletons"] li[data-singleton][data-role]` and
 * `a[data-testid="replica-open"]` (the replica's own inspector).
 */
import type { ClusterView as ClusterData, ReplicaRecord } from '../../src/durable/cluster.ts';
import { storedToken } from './control.ts';
import { h } from './dom.ts';

/** How often the view is read again, in ms. */
const REFRESH = 2_000;

/** The cluster panel; mounts itself at the end of `host`. */
export class ClusterView {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly note: HTMLElement;
  /** The replicas opened by the user, by id: kept open across refreshes. */
  private readonly open = new Set<string>();
  private last: ClusterData | null = null;

  constructor(host: HTMLElement) {
    this.list = h('ul', { class: 'replicas' });
    this.note = h('p', { class: 'cluster-note' });
    this.el = h(
      'section',
      {
        class: 'cluster',
        'data-testid': 'cluster',
        'aria-label': 'Cluster',
        // Its own row across the page's grid, under the panels.
        style: 'grid-column: 1 / -1; padding: 0 12px',
      },
      h('h2', null, 'Replicas'),
      this.note,
      this.list,
    );
    this.el.hidden = true;
    host.append(this.el);
    void this.refresh();
    setInterval(() => void this.refresh(), REFRESH);
  }

  private async refresh(): Promise<void> {
    let answer: Response;
    try {
      const token = storedToken();
      answer = await fetch('cluster', {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        cache: 'no-store',
      });
    } catch {
      this.note.textContent = 'The inspector did not answer; the list may be stale.';
      return;
    }
    if (answer.status === 404 || answer.status === 503) {
      this.el.hidden = true;
      return;
    }
    if (answer.status === 401) {
      this.el.hidden = false;
      this.note.textContent = 'The control API needs its token to list the replicas.';
      return;
    }
    if (!answer.ok) {
      this.el.hidden = false;
      this.note.textContent = `The cluster view failed (HTTP ${answer.status}).`;
      return;
    }
    this.last = (await answer.json()) as ClusterData;
    this.note.textContent = '';
    this.render();
  }

  private toggle(id: string): void {
    if (this.open.has(id)) this.open.delete(id);
    else this.open.add(id);
    this.render();
  }

  private render(): void {
    const data = this.last;
    if (!data) return;
    this.el.hidden = false;
    this.el.dataset.count = String(data.replicas.length);
    this.el.dataset.self = data.self;
    const replicas = [...data.replicas].sort((a, b) => a.id.localeCompare(b.id));
    this.list.replaceChildren(...replicas.map((r) => this.replica(r, r.id === data.self)));
  }

  private replica(r: ReplicaRecord, self: boolean): HTMLLIElement {
    const opened = this.open.has(r.id);
    const toggle = h(
      'button',
      { type: 'button', 'data-testid': 'replica-toggle', 'aria-expanded': String(opened) },
      h('span', { class: 'replica-id' }, r.id),
      self ? h('span', { class: 'replica-self' }, ' (this one)') : null,
      h('span', { class: `replica-state state-${r.root.state}` }, ` ${r.root.state}`),
    );
    toggle.addEventListener('click', () => this.toggle(r.id));
    const li = h(
      'li',
      { class: 'replica', 'data-replica': r.id, 'data-state': r.root.state },
      toggle,
    );
    if (!opened) return li;
    const age = Math.max(0, Math.round((Date.now() - r.heartbeatAt) / 1_000));
    li.append(
      h('p', { class: 'replica-meta' }, `${r.host}, pid ${r.pid}; last heartbeat ${age} s ago`),
      h(
        'ul',
        { 'data-testid': 'replica-children' },
        ...r.root.children.map((c) =>
          h('li', { 'data-child': c.id, 'data-state': c.state }, `${c.id}: ${c.state}`),
        ),
      ),
      h(
        'ul',
        { 'data-testid': 'replica-singletons' },
        ...r.singletons.map((s) =>
          h(
            'li',
            { 'data-singleton': s.name, 'data-role': s.role },
            `singleton ${s.name} (${s.path}): ${s.role}`,
          ),
        ),
      ),
      h(
        'ul',
        { 'data-testid': 'replica-queues' },
        ...Object.entries(r.queues).map(([name, q]) =>
          h(
            'li',
            { 'data-queue': name },
            q
              ? `queue ${name}: ${q.queued} queued, ${q.inFlight} in flight, ${q.retries} retries, ${q.deadLetters} dead letters`
              : `queue ${name}: no counts yet`,
          ),
        ),
      ),
      r.inspector
        ? h(
            'a',
            { 'data-testid': 'replica-open', href: r.inspector, target: '_blank', rel: 'noopener' },
            'Open its inspector',
          )
        : h('p', { class: 'replica-meta' }, 'It gave no inspector URL (joinCluster `inspector`).'),
    );
    return li;
  }
}
