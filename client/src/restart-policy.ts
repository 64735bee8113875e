// When the language server dies, the client starts it again, a bounded number of times: at
// most MAX_RESTARTS within WINDOW_MS, each said in a message; past that it stays stopped until
// the user runs "vmscen: Restart Server". Plain logic, no vscode (issue 14, item 13).

export const MAX_RESTARTS = 4;
export const WINDOW_MS = 3 * 60_000;

export class RestartPolicy {
  private times: number[] = [];

  /** The server's connection closed at `now`: restart it (which attempt) or give up. */
  closed(now: number): { readonly restart: true; readonly attempt: number } | { readonly restart: false } {
    this.times = this.times.filter((t) => now - t < WINDOW_MS);
    if (this.times.length >= MAX_RESTARTS) return { restart: false };
    this.times.push(now);
    return { restart: true, attempt: this.times.length };
  }

  /** The user restarted the server by hand: the count starts again. */
  reset(): void {
    this.times = [];
  }
}
