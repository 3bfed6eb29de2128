/**
 * The event box of a selected actor of the user's (`kind: 'actor'`) that the control API can
 * reach: a button for each event its machine takes in its current state (`node.accepts`, from
 * the server), and a JSON field for any event. Both go through the inspector to the control
 * API's `POST /services/<path>/send`, with the tab's token; the answer (or the error: 400 bad
 * JSON, 409 not running, ...) is said under the box.
 */
import type { AcceptedEvent, ControlInfo, InspectorNode } from '../../src/inspector/protocol.ts';
import { type CommandResult, sendEvent, withToken } from './control.ts';
import { h } from './dom.ts';
import type { TokenForm } from './token-form.ts';

/** `{ type }` as the text the JSON field starts with. */
const PLACEHOLDER = '{ "type": "…" }';

/**
 * The event box of the details panel.
 *
 * @example
 * ```ts
 * const box = new EventBox(tokenForm);
 * details.append(box.el);
 * box.show(node, store.control); // on selection and on every change of the node
 * ```
 */
export class EventBox {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly json: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly result: HTMLElement;
  private path: string[] | null = null;
  private acceptsText = '';
  private tokenRequired = false;
  /** A send is under way: another waits for it (the buttons keep their focus meanwhile). */
  private busy = false;
  /** Bumped on every selection and send: an answer for an older one is dropped. */
  private turn = 0;
  private readonly tokenForm: TokenForm;

  constructor(tokenForm: TokenForm) {
    this.tokenForm = tokenForm;
    this.list = h('div', {
      class: 'event-buttons',
      role: 'group',
      'aria-labelledby': 'event-box-title',
      'data-testid': 'event-buttons',
    });
    this.json = h('textarea', {
      id: 'event-json',
      class: 'event-json',
      rows: 2,
      spellcheck: false,
      placeholder: PLACEHOLDER,
      'aria-describedby': 'event-json-hint',
      'data-testid': 'event-json',
    });
    this.sendButton = h('button', { type: 'submit', 'data-testid': 'event-send' }, 'Send JSON');
    const form = h(
      'form',
      { class: 'event-form' },
      h('label', { for: 'event-json' }, 'Any event, as JSON'),
      this.json,
      h(
        'p',
        { id: 'event-json-hint', class: 'muted hint-line' },
        'An object with a string "type". Ctrl+Enter sends.',
      ),
      this.sendButton,
    );
    this.result = h('output', {
      class: 'command-result',
      'aria-live': 'polite',
      'data-testid': 'event-result',
    });
    this.el = h(
      'section',
      { class: 'details-section event-box', 'data-testid': 'event-box', hidden: true },
      h('h3', { id: 'event-box-title' }, 'Send an event'),
      this.list,
      form,
      this.result,
    );
    this.list.addEventListener('click', (e) => {
      const button =
        e.target instanceof Element ? e.target.closest<HTMLButtonElement>('[data-event]') : null;
      if (button && !this.busy) {
        void this.send(JSON.stringify({ type: button.dataset.event }), button.dataset.event!);
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!this.busy) void this.send(this.json.value, typeOf(this.json.value));
    });
    this.json.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
  }

  /** Shows the box for `node`, or hides it when it is not an actor the control API reaches. */
  show(node: InspectorNode | undefined, control: ControlInfo): void {
    const path =
      node?.kind === 'actor' && node.controllable && control.enabled && node.path?.length
        ? node.path
        : null;
    this.tokenRequired = control.tokenRequired;
    this.el.hidden = path === null;
    const same = path !== null && this.path !== null && path.join('/') === this.path.join('/');
    this.path = path;
    if (!same) {
      this.turn++;
      this.setBusy(false);
      this.say(null, '');
      this.json.value = '';
    }
    this.renderButtons(path === null ? [] : (node?.accepts ?? []), node?.status === 'active');
  }

  /** The buttons, rebuilt only when the list changed; focus stays on the same event's button. */
  private renderButtons(accepts: readonly AcceptedEvent[], active: boolean): void {
    const text = JSON.stringify(accepts);
    if (text === this.acceptsText) return;
    this.acceptsText = text;
    const focused = this.list.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset.event
      : undefined;
    const buttons = accepts.map((e) =>
      h(
        'button',
        {
          type: 'button',
          class: 'event-button',
          'data-event': e.type,
          'data-testid': 'event-button',
          title: e.guards ? `Guarded by ${e.guards.join(', ')}: it may be ignored` : null,
        },
        e.type,
        e.guards ? h('span', { class: 'muted' }, ` [${e.guards.join(', ')}]`) : null,
      ),
    );
    if (buttons.length === 0) {
      this.list.replaceChildren(
        h(
          'p',
          { class: 'muted hint-line' },
          active
            ? 'Its current state has no transition on an event: send one as JSON.'
            : 'It is not running.',
        ),
      );
    } else this.list.replaceChildren(...buttons);
    if (focused !== undefined) {
      const same = buttons.find((b) => b.dataset.event === focused);
      (same ?? buttons[0] ?? this.json).focus();
    }
  }

  private async send(json: string, type: string | undefined): Promise<void> {
    const path = this.path;
    if (!path) return;
    const turn = ++this.turn;
    const label = type ?? 'the event';
    this.setBusy(true);
    const result = await withToken(
      this.tokenRequired,
      (reason) => {
        if (turn === this.turn) this.say('token', 'Waiting for the control token (in the header)…');
        return this.tokenForm.ask(reason);
      },
      (token) => {
        if (turn === this.turn) this.say('pending', `Sending ${label}…`);
        return sendEvent(path, json, token);
      },
    );
    if (turn !== this.turn) return;
    this.setBusy(false);
    this.report(label, result);
  }

  private report(label: string, result: CommandResult | null): void {
    if (!result) {
      this.say('error', `${label}: not sent, the control API needs its token.`);
    } else if (result.ok) {
      const value = result.node.value;
      const now = value === undefined ? '' : ` (now ${stateText(value)})`;
      this.say('ok', `Sent ${label}${now}`);
    } else {
      const status = result.status || 'no answer';
      this.say('error', `Sending ${label} failed: ${result.message} (${status} ${result.code})`);
    }
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.el.setAttribute('aria-busy', String(busy));
  }

  private say(status: 'pending' | 'token' | 'ok' | 'error' | null, text: string): void {
    if (status === null) delete this.result.dataset.status;
    else this.result.dataset.status = status;
    this.result.textContent = text;
  }
}

/** The event type in JSON text, if it is an object with a string `type`. */
function typeOf(json: string): string | undefined {
  try {
    const type = (JSON.parse(json) as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}

/** A state value as `a.b` (parallel regions joined by `, `). */
function stateText(value: unknown, prefix = ''): string {
  if (typeof value === 'string') return prefix + value;
  if (!value || typeof value !== 'object') return prefix.slice(0, -1);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => stateText(v, `${prefix}${k}.`))
    .join(', ');
}
