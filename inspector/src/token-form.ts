/**
 * The control token, asked for in an inline form in the header: once when the control API
 * wants one (kept in `sessionStorage`), and again when a command is answered 401. A command
 * waiting for the token resumes when it is given.
 */
import { storedToken, storeToken } from './control.ts';
import { h } from './dom.ts';

/**
 * The header's token form.
 *
 * @example
 * ```ts
 * const token = storedToken() ?? (await tokenForm.ask('The control API needs a token.'));
 * ```
 */
export class TokenForm {
  readonly el: HTMLFormElement;
  private readonly why: HTMLElement;
  private readonly input: HTMLInputElement;
  private waiting: ((token: string | null) => void)[] = [];

  constructor() {
    this.why = h('span', { class: 'token-why' });
    this.input = h('input', {
      type: 'password',
      name: 'token',
      placeholder: 'control token',
      autocomplete: 'off',
      'aria-label': 'Control token',
      'data-testid': 'token-input',
    });
    const later = h('button', { type: 'button', class: 'quiet' }, 'Later');
    this.el = h(
      'form',
      { class: 'token-form', 'data-testid': 'token-form', hidden: true },
      this.why,
      this.input,
      h('button', { type: 'submit', 'data-testid': 'token-submit' }, 'Use token'),
      later,
    );
    this.el.addEventListener('submit', (e) => {
      e.preventDefault();
      const token = this.input.value.trim();
      if (!token) return;
      storeToken(token);
      this.finish(token);
    });
    later.addEventListener('click', () => this.finish(null));
  }

  /** Shows the form, without waiting for it, when a token is needed and none is kept. */
  offer(tokenRequired: boolean): void {
    if (tokenRequired && storedToken() === null && this.el.hidden)
      this.open('The control API needs a token:', false);
  }

  /** Asks for the token; resolves with it, or `null` when the user declines. */
  ask(reason: string): Promise<string | null> {
    this.open(reason, true);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private open(reason: string, focus: boolean): void {
    this.why.textContent = reason;
    this.el.hidden = false;
    if (focus) this.input.focus();
  }

  private finish(token: string | null): void {
    this.el.hidden = true;
    this.input.value = '';
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve(token);
  }
}
