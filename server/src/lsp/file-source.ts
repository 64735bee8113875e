// How the server reads a document the editor has not opened. The Node server reads workspace
// files from disk (workspace-files.ts); the browser server has no disk and reads nothing
// (`NoFiles`): there the client sends the text of the files it wants checked.

/** The most the server reads of one file, or accepts as a document's text in a request. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

export type ReadResult = { readonly text: string } | { readonly error: string };

export interface FileSource {
  /** The client's workspace folders (initialize, didChangeWorkspaceFolders), as URIs. */
  setFolders(uris: readonly string[]): void;
  /** The folders it may read in. */
  readonly declared: readonly string[];
  /** Read a workspace file the client has not opened. */
  read(uri: string): Promise<ReadResult>;
}

/** The browser server's files: none; a request must carry its document's text. */
export class NoFiles implements FileSource {
  private folders: string[] = [];

  setFolders(uris: readonly string[]): void {
    this.folders = [...uris];
  }

  get declared(): readonly string[] {
    return this.folders;
  }

  async read(uri: string): Promise<ReadResult> {
    return { error: `cannot read ${uri}: the server in the browser reads no files (open the document in the editor)` };
  }
}

/** A document's text sent in a request: refused over the size limit. */
export function checkTextSize(text: string): string | undefined {
  // at most 3 UTF-8 bytes a UTF-16 unit: most texts need no encoding to be judged
  if (text.length * 3 <= MAX_DOCUMENT_BYTES) return undefined;
  return new TextEncoder().encode(text).length > MAX_DOCUMENT_BYTES ? `the text is over the ${MAX_DOCUMENT_BYTES}-byte limit` : undefined;
}
