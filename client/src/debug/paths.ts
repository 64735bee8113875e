// Path handling for the debug session without Node's `path` and `url` (the session runs in the
// web extension too): file URIs to paths and back, a path's last segment, and the comparison of
// two paths of one file (`a//b/./c` and `a/b/c` are the same file). POSIX and Windows drive paths.

/** A file path from a `file:` URI (`file:///c%3A/x` → `c:/x`, `file:///home/x` → `/home/x`). */
export function fileUriToPath(uri: string): string {
  const p = decodeURIComponent(new URL(uri).pathname);
  return /^\/[a-zA-Z]:/.test(p) ? p.slice(1) : p;
}

/** The `file:` URI of an absolute path. */
export function pathToFileUri(p: string): string {
  const posix = normalizePath(p);
  const abs = posix.startsWith('/') ? posix : `/${posix}`;
  return `file://${abs.split('/').map(encodeURIComponent).join('/').replace(/^\/([a-zA-Z])%3A/, '/$1:')}`;
}

/** The last segment of a path. */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

/** A path with `\` as `/`, repeated separators and `.` segments removed, `..` resolved. */
export function normalizePath(p: string): string {
  const abs = /^([a-zA-Z]:)?[\\/]/.test(p);
  const out: string[] = [];
  for (const seg of p.split(/[\\/]+/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  const joined = out.join('/');
  return abs && !/^[a-zA-Z]:/.test(joined) ? `/${joined}` : joined;
}
