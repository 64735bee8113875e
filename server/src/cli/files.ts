// Which files `vmscen check` reads, and how: named files and the .vmscen files of named folders
// (recursively, following symbolic links once, sorted), regular files only, up to a size
// limit. A path named on the command line that does not exist is a usage error; a file that
// cannot be read (a device, a FIFO, a dangling link, too large, no permission) is that file's
// error, and the other files are still checked.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Files larger than this are refused unread (a scenario file is a few kilobytes). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export class PathError extends Error {}

/** A file to check: its text, or why it could not be read. */
export type SourceFile = { readonly file: string; readonly text: string } | { readonly file: string; readonly error: string };

function describe(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Expand folders into their .vmscen files; throws PathError for a named path that does not exist. */
export function collectFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PathError(`cannot read '${p}': ${code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`);
    }
    if (!st.isDirectory()) {
      out.push(p);
      continue;
    }
    const found: string[] = [];
    const seen = new Set<string>(); // real paths of folders walked: a link back up is not followed twice
    const walk = (dir: string): void => {
      let real: string;
      try {
        real = fs.realpathSync(dir);
      } catch {
        return;
      }
      if (seen.has(real)) return;
      seen.add(real);
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        throw new PathError(`cannot read folder '${dir}': ${(e as Error).message}`);
      }
      for (const ent of entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
        const full = path.join(dir, ent.name);
        let isDir = ent.isDirectory();
        if (ent.isSymbolicLink()) {
          try {
            isDir = fs.statSync(full).isDirectory();
          } catch {
            isDir = false; // a dangling link: reported as that file's error if it names a .vmscen file
          }
        }
        if (isDir) {
          if (ent.name !== 'node_modules' && !ent.name.startsWith('.')) walk(full);
        } else if (ent.name.endsWith('.vmscen') && (ent.isFile() || ent.isSymbolicLink())) found.push(full);
      }
    };
    walk(p);
    if (found.length === 0) throw new PathError(`folder '${p}' has no .vmscen file`);
    out.push(...found);
  }
  return out;
}

/** Read one file: regular files only, up to MAX_FILE_BYTES; never blocks on a FIFO or a device. */
export function readSource(file: string): SourceFile {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { file, error: code === 'ENOENT' ? 'no such file (a dangling link?)' : (e as Error).message };
  }
  if (!st.isFile()) return { file, error: `${describe(st)}, not a .vmscen file: refused` };
  if (st.size > MAX_FILE_BYTES) return { file, error: `${st.size} bytes, over the ${MAX_FILE_BYTES}-byte limit: refused` };
  let fd: number | undefined;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO after the stat, the open does not wait for a writer
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const now = fs.fstatSync(fd);
    if (!now.isFile()) return { file, error: `${describe(now)}, not a .vmscen file: refused` };
    const buf = Buffer.alloc(Math.min(now.size, MAX_FILE_BYTES) + 1);
    let n = 0;
    for (;;) {
      const r = fs.readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > MAX_FILE_BYTES) return { file, error: `over the ${MAX_FILE_BYTES}-byte limit: refused` };
      if (n === buf.length) break;
    }
    return { file, text: buf.subarray(0, n).toString('utf8') };
  } catch (e) {
    return { file, error: (e as Error).message };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A path as printed in `file:line:col`: control characters (a newline in a name) escaped. */
export function displayPath(file: string): string {
  // eslint-disable-next-line no-control-regex
  return file.replace(/[\u0000-\u001f\u007f\\]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
