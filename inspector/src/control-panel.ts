/**
 * The details panel's command buttons (restart, stop, start, hard reset, fail) and the answer
 * to the last one. Shown only for nodes the control API can command, when it is on.
 */
import type { ControlInfo, InspectorNode } from '../../src/inspector/protocol.ts';
import { COMMANDS, type Command, sendCommand, withToken } from './control.ts';
import { h } from './dom.ts';
import { pathText } from './node-text.ts';
import type { TokenForm } from './token-form.ts';

const LABELS: Record<Command, string> = {
  restart: 'Restart',
  stop: 'Stop',
  start: 'Start',
  'hard-reset': 'Hard reset',
  fail: 'Fail',
};

/**
 * The command bar of the selected node.
 *
 * @example
 * ```ts
 * const panel = new ControlPanel(tokenForm);
 * panel.show(node, store.control);
 * ```
 */
export class ControlPanel {
  readonly el: HTMLElement;
  private readonly buttons: HTMLButtonElement[];
  private readonly result: HTMLElement;
  private path: string[] | null = null;
  private tokenRequired = false;
  /** Bumped on every selection and command: an answer for an older one is dropped. */
  private turn = 0;

  private readonly tokenForm: TokenForm;

  constructor(tokenForm: TokenForm) {
    this.tokenForm = tokenForm;
    this.buttons = COMMANDS.map((command) =>
      h(
        'button',
        {
          type: 'button',
          class: `command command-${command}`,
          'data-command': command,
          'data-testid': `command-${command}`,
        },
        LABELS[command],
      ),
    );
    this.result = h('output', { class: 'command-result', 'data-testid': 'command-result' });
    this.el = h(
      'div',
      { class: 'controls', hidden: true },
      h('div', { class: 'command-bar' }, ...this.buttons),
      this.result,
    );
    this.el.addEventListener('click', (e) => {
      const button =
        e.target instanceof Element ? e.target.closest<HTMLButtonElement>('[data-command]') : null;
      if (button && !button.disabled) void this.run(button.dataset.command as Command);
    });
  }

  /** Shows the buttons for `node`, or hides them when it cannot be commanded. */
  show(node: InspectorNode | undefined, control: ControlInfo): void {
    const path = node?.controllable && control.enabled ? node.path : null;
    this.tokenRequired = control.tokenRequired;
    const same = path !== null && this.path !== null && path.join('/') === this.path.join('/');
    this.path = path;
    this.el.hidden = path === null;
    if (same) return;
    this.turn++;
    this.setBusy(false);
    this.say(null, '');
  }

  private async run(command: Command): Promise<void> {
    const path = this.path;
    if (!path) return;
    const turn = ++this.turn;
    const label = LABELS[command];
    this.setBusy(true);
    const result = await withToken(
      this.tokenRequired,
      (reason) => this.askToken(turn, reason),
      (token) => {
        if (turn === this.turn) this.say('pending', `${label} ${pathText(path)}…`);
        return sendCommand(path, command, token);
      },
    );
    if (turn !== this.turn) return;
    this.setBusy(false);
    if (!result) {
      this.say('error', `${label}: not sent, the control API needs its token.`);
    } else if (result.ok) {
      const { state, generation } = result.node;
      const after = [state, generation === undefined ? '' : `gen ${generation}`]
        .filter(Boolean)
        .join(', ');
      this.say('ok', `${label}: done${after ? ` (${after})` : ''}`);
    } else {
      const status = result.status || 'no answer';
      this.say('error', `${label} failed: ${result.message} (${status} ${result.code})`);
    }
  }

  /** Asks for the token, saying in the result line that the command waits for it. */
  private askToken(turn: number, reason: string): Promise<string | null> {
    if (turn === this.turn) this.say('token', 'Waiting for the control token (in the header)…');
    return this.tokenForm.ask(reason);
  }

  private setBusy(busy: boolean): void {
    for (const b of this.buttons) b.disabled = busy;
  }

  private say(status: 'pending' | 'token' | 'ok' | 'error' | null, text: string): void {
    if (status === null) delete this.result.dataset.status;
    else this.result.dataset.status = status;
    this.result.textContent = text;
  }
}
