// `vmscen check PATH…` and `vmscen lsp`. Exit status: 0 when every expectation holds and
// nothing unexpected was found, 1 when something falls short, 2 for usage errors and
// unreadable paths.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../analysis/analyze';
import type { FileAnalysis } from '../analysis/views';
import { DESIGNS, type Design } from '../engine/settings';
import { toJsonFile } from './format-json';
import { formatFileText, isOk, summaryLine, tally } from './format-text';
import { designTable } from './design-table';

const USAGE = `usage: vmscen check [options] PATH...     check .vmscen files (folders: recursively)
       vmscen lsp [--stdio]                 start the language server on stdin/stdout

options for check:
  --json                 print one JSON document instead of text
  --designs all|D,D,...  run every scenario under each locking design (${DESIGNS.map((d) => d.value).join(', ')})
  --max-states N         bound every exploration to N states
  --max-ms N             bound every exploration to N milliseconds
  --brief                leave out interleavings
  --quiet                leave out information lines
  --timing               show exploration times
  -h, --help             show this help
  --version              show the version`;

class UsageError extends Error {}

interface CheckArgs {
  paths: string[];
  json: boolean;
  designs: Design[] | undefined;
  maxStates: number | undefined;
  maxMs: number | undefined;
  brief: boolean;
  quiet: boolean;
  timing: boolean;
}

function parsePositive(flag: string, v: string | undefined): number {
  if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} needs a positive whole number, got ${v === undefined ? 'nothing' : `'${v}'`}`);
  return Number(v);
}

function parseCheckArgs(argv: string[]): CheckArgs {
  const a: CheckArgs = { paths: [], json: false, designs: undefined, maxStates: undefined, maxMs: undefined, brief: false, quiet: false, timing: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--json':
        a.json = true;
        break;
      case '--brief':
        a.brief = true;
        break;
      case '--quiet':
        a.quiet = true;
        break;
      case '--timing':
        a.timing = true;
        break;
      case '--max-states':
        a.maxStates = parsePositive('--max-states', value());
        break;
      case '--max-ms':
        a.maxMs = parsePositive('--max-ms', value());
        break;
      case '--designs': {
        const v = value();
        if (!v) throw new UsageError(`--designs needs 'all' or a comma list of ${DESIGNS.map((d) => d.value).join(', ')}`);
        const names = v === 'all' ? DESIGNS.map((d) => d.value) : v.split(',').map((x) => x.trim());
        for (const n of names) if (!DESIGNS.some((d) => d.value === n)) throw new UsageError(`unknown design '${n}' in --designs: valid are all, ${DESIGNS.map((d) => d.value).join(', ')}`);
        a.designs = names as Design[];
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`);
        a.paths.push(arg);
    }
  }
  if (a.paths.length === 0) throw new UsageError('check needs at least one file or folder');
  return a;
}

/** Expand folders into their .vmscen files (sorted); a missing or unreadable path is a usage error. */
export function collectFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      throw new UsageError(`cannot read '${p}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`);
    }
    if (st.isDirectory()) {
      const found: string[] = [];
      const walk = (dir: string): void => {
        let entries: fs.Dirent[];
        try {
          entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch (e) {
          throw new UsageError(`cannot read folder '${dir}': ${(e as Error).message}`);
        }
        for (const ent of entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
          const full = path.join(dir, ent.name);
          if (ent.isDirectory()) {
            if (ent.name !== 'node_modules' && !ent.name.startsWith('.')) walk(full);
          } else if (ent.isFile() && ent.name.endsWith('.vmscen')) found.push(full);
        }
      };
      walk(p);
      if (found.length === 0) throw new UsageError(`folder '${p}' has no .vmscen file`);
      out.push(...found);
    } else out.push(p);
  }
  return out;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read '${file}': ${(e as Error).message}`);
  }
}

function runCheck(argv: string[]): number {
  const args = parseCheckArgs(argv);
  const files = collectFiles(args.paths);
  const texts = files.map((f) => ({ file: f, text: readText(f) }));
  const results: { file: string; fa: FileAnalysis }[] = [];
  const now = (): number => Date.now();
  for (const { file, text } of texts) {
    const fa = analyze(text, {
      ...(args.maxStates !== undefined ? { maxStates: args.maxStates } : {}),
      ...(args.maxMs !== undefined ? { maxMs: args.maxMs } : {}),
      ...(args.designs ? { designs: args.designs } : {}),
      now,
    });
    results.push({ file, fa });
    if (!args.json) {
      const lines = formatFileText(file, fa, { brief: args.brief, quiet: args.quiet, timing: args.timing });
      if (lines.length) process.stdout.write(lines.join('\n') + '\n');
    }
  }
  const t = tally(results.map((r) => r.fa));
  const failed = !isOk(t);
  if (args.json) {
    process.stdout.write(JSON.stringify({ files: results.map((r) => toJsonFile(r.file, r.fa)), summary: { ...t, ok: !failed } }, null, 2) + '\n');
  } else {
    if (args.designs) process.stdout.write(designTable(results, args.designs).join('\n') + '\n');
    process.stdout.write(summaryLine(t) + '\n');
  }
  return failed ? 1 : 0;
}

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export function main(argv: string[]): number {
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      process.stdout.write(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version') {
      process.stdout.write(`vmscen ${version()}\n`);
      return 0;
    }
    if (cmd === 'check') {
      if (rest.includes('-h') || rest.includes('--help')) {
        process.stdout.write(USAGE + '\n');
        return 0;
      }
      return runCheck(rest);
    }
    if (cmd === 'lsp') throw new UsageError("'vmscen lsp' is started by bin/vmscen.js (the language server is dist/server.js)");
    throw new UsageError(`unknown command '${cmd}': use 'vmscen check PATH…' or 'vmscen lsp'`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`vmscen: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`vmscen: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 2;
  }
}

if (require.main === module) {
  const code = main(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
}
