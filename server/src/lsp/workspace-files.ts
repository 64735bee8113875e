// Files the server reads itself (a `vmscen/*` request for a document the client has not
// opened): only `file:` URIs of regular `.vmscen` files inside the workspace folders the client
// declared, up to a size limit, read asynchronously with a non-blocking open. Everything else
// is a clear error: the server never blocks on a FIFO or a device, never reads /dev/zero into
// memory, and never quotes a file outside the workspace back in a diagnostic.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_DOCUMENT_BYTES, type FileSource, type ReadResult } from './file-source';

export class WorkspaceFiles implements FileSource {
  /** Real paths of the workspace folders the client declared. */
  private folders: string[] = [];

  /** The client's workspace folders (initialize, didChangeWorkspaceFolders), as URIs. */
  setFolders(uris: readonly string[]): void {
    const out: string[] = [];
    for (const u of uris) {
      try {
        if (!u.startsWith('file:')) continue;
        const p = fileURLToPath(u);
        out.push(fs.existsSync(p) ? fs.realpathSync(p) : p);
      } catch {
        // a malformed folder URI declares nothing
      }
    }
    this.folders = out;
  }

  get declared(): readonly string[] {
    return this.folders;
  }

  /** Read a workspace file the client has not opened. */
  async read(uri: string): Promise<ReadResult> {
    let file: string;
    try {
      if (!uri.startsWith('file:')) return { error: `cannot read ${uri}: only file: URIs can be read by the server (open the document in the editor)` };
      file = fileURLToPath(uri);
    } catch {
      return { error: `cannot read ${uri}: not a valid file URI` };
    }
    if (!file.endsWith('.vmscen')) return { error: `cannot read ${uri}: not a .vmscen file` };
    let real: string;
    try {
      real = await fs.promises.realpath(file);
    } catch {
      return { error: `cannot read ${uri}: no such file` };
    }
    const inside = this.folders.some((f) => {
      const rel = path.relative(f, real);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
    if (!inside) return { error: `cannot read ${uri}: outside the workspace folders (open the document in the editor)` };
    let handle: fs.promises.FileHandle | undefined;
    try {
      const st = await fs.promises.stat(real);
      if (!st.isFile()) return { error: `cannot read ${uri}: not a regular file` };
      if (st.size > MAX_DOCUMENT_BYTES) return { error: `cannot read ${uri}: ${st.size} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit` };
      // O_NONBLOCK: a path swapped for a FIFO after the stat does not wait for a writer
      handle = await fs.promises.open(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const now = await handle.stat();
      if (!now.isFile()) return { error: `cannot read ${uri}: not a regular file` };
      const buf = Buffer.alloc(Math.min(now.size, MAX_DOCUMENT_BYTES) + 1);
      let n = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buf, n, buf.length - n, null);
        if (bytesRead === 0) break;
        n += bytesRead;
        if (n > MAX_DOCUMENT_BYTES) return { error: `cannot read ${uri}: over the ${MAX_DOCUMENT_BYTES}-byte limit` };
        if (n === buf.length) break;
      }
      return { text: buf.subarray(0, n).toString('utf8') };
    } catch (e) {
      return { error: `cannot read ${uri}: ${(e as Error).message}` };
    } finally {
      await handle?.close();
    }
  }
}
