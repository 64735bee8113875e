// A Debug Adapter Protocol test client: sends requests to a ScenarioDebugSession (the same
// messages VS Code sends to the inline adapter) and waits for its responses and events.
import type { DapEvent, DapMessage, DapResponse } from '../../client/src/debug/dap';
import { ScenarioDebugSession, type ReplaySource } from '../../client/src/debug/session';

export class DapClient {
  readonly session: ScenarioDebugSession;
  readonly messages: DapMessage[] = [];
  private seq = 1;
  private readonly waiters: (() => void)[] = [];

  constructor(source: ReplaySource) {
    this.session = new ScenarioDebugSession(source, (m) => {
      this.messages.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Send a request; resolves with its response (success or not). */
  async request(command: string, args?: unknown): Promise<DapResponse> {
    const seq = this.seq++;
    this.session.handleMessage({ seq, type: 'request', command, ...(args !== undefined ? { arguments: args } : {}) });
    return this.until((m): m is DapResponse => m.type === 'response' && m.request_seq === seq, `the response to ${command}`);
  }

  /** A body of a successful response, or an error with the adapter's message. */
  async body<T>(command: string, args?: unknown): Promise<T> {
    const r = await this.request(command, args);
    if (!r.success) throw new Error(`${command} failed: ${r.message}`);
    return r.body as T;
  }

  /** The first event named `name` at or after message index `from`. */
  async event(name: string, from = 0): Promise<DapEvent> {
    return this.until((m, i): m is DapEvent => i >= from && m.type === 'event' && m.event === name, `a '${name}' event`);
  }

  /** The index the next message will have (to wait for events after an action). */
  mark(): number {
    return this.messages.length;
  }

  private async until<T extends DapMessage>(pred: (m: DapMessage, i: number) => m is T, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i >= 0) return this.messages[i] as T;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}
