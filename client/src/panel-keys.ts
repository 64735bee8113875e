// What keeps the interleaving view honest about which document it shows (issue 14, item 12):
// every request the panel starts gets a generation, and a result older than the newest
// request is dropped; a click in a table or a trace names the document and version it was
// computed from, and is refused when that document has changed since. Plain logic, no vscode.
import type { ViewSource } from '../../server/src/protocol';

export class PanelKeys {
  private generation = 0;

  /** A new request for the panel; its results are shown only if no newer request started since. */
  begin(): number {
    return ++this.generation;
  }

  /** Whether a result of request `generation` may still be shown. */
  current(generation: number): boolean {
    return generation === this.generation;
  }
}

/**
 * Where a click in the view (a finding of a table, a step of a trace) must go: the document it
 * was computed from, if that document is unchanged since; else why not.
 */
export function clickTarget(source: ViewSource, versionNow: number | null | undefined): { uri: string } | { stale: string } {
  if (source.version !== null && versionNow !== undefined && versionNow !== null && versionNow !== source.version) {
    return { stale: 'the file changed since this view was computed: run the command again' };
  }
  return { uri: source.uri };
}
