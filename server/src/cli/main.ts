// `vmscen check PATH…` and `vmscen lsp`. Exit status: 0 when every expectation holds and
// nothing unexpected was found, 1 when something falls short, 2 for usage errors and
// unreadable paths.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeChecked } from '../analysis/analyze';
import { checkFile } from '../analysis/check-file';
import { searchFileFixes, type ScenarioFixes } from '../analysis/fix-search';
import type { FileAnalysis } from '../analysis/views';
import { DESIGNS, type Design } from '../engine/settings';
import { toJsonFile } from './format-json';
import { formatFixesText, toJsonFixes } from './format-fixes';
import { toSarif } from './format-sarif';
import { formatFileText, isOk, summaryLine, tally } from './format-text';
import { designTable } from './design-table';
import { collectFiles, displayPath, PathError, readSource } from './files';
import { Output } from './output';

const USAGE = `usage: vmscen check [options] PATH...     check .vmscen files (folders: recursively)
       vmscen lsp [--stdio]                 start the language server on stdin/stdout

options for check:
  --json                 print one JSON document instead of text
  --sarif                print a SARIF 2.1.0 log instead of text (for code scanning;
                         paths relative to the working directory)
  --designs all|D,D,...  run every scenario under each locking design (${DESIGNS.map((d) => d.value).join(', ')})
  --max-states N         bound every exploration to N states
  --max-ms N             bound every exploration to N milliseconds
  --max-memory-mb N      bound every exploration's state store to N MB
  --outcomes             print each scenario's outcome table: the values of its registers
                         and checked addresses in the terminal states, with counts, a
                         shortest interleaving each, and Always/Sometimes/Never per check final
  --brief                leave out interleavings
  --slice                show only the steps of each interleaving the finding depends on
                         (the default)
  --full                 show every step of each interleaving
  --quiet                leave out information lines
  --timing               show exploration times
  --suggest-fixes        for each finding, search small edits of the design under test
                         (an op option changed, two, a 'lock mmap write' section) and
                         print those verified to remove it without any other finding;
                         with --json, every candidate tried and why it failed
  -h, --help             show this help
  --version              show the version`;

class UsageError extends Error {}

interface CheckArgs {
  paths: string[];
  json: boolean;
  sarif: boolean;
  designs: Design[] | undefined;
  maxStates: number | undefined;
  maxMs: number | undefined;
  maxMemoryMb: number | undefined;
  brief: boolean;
  quiet: boolean;
  timing: boolean;
  /** --full (true) or --slice (false); undefined: the default, the slice. */
  full: boolean | undefined;
  outcomes: boolean;
  suggestFixes: boolean;
}

function parsePositive(flag: string, v: string | undefined): number {
  if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} needs a positive whole number, got ${v === undefined ? 'nothing' : `'${v}'`}`);
  return Number(v);
}

function parseCheckArgs(argv: string[]): CheckArgs {
  const a: CheckArgs = { paths: [], json: false, sarif: false, designs: undefined, maxStates: undefined, maxMs: undefined, maxMemoryMb: undefined, brief: false, quiet: false, timing: false, full: undefined, outcomes: false, suggestFixes: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--json':
        a.json = true;
        break;
      case '--sarif':
        a.sarif = true;
        break;
      case '--slice':
      case '--full':
        if (a.full !== undefined && a.full !== (flag === '--full')) throw new UsageError('--slice and --full choose how much of an interleaving to show: give one');
        a.full = flag === '--full';
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
      case '--outcomes':
        a.outcomes = true;
        break;
      case '--suggest-fixes':
        a.suggestFixes = true;
        break;
      case '--max-states':
        a.maxStates = parsePositive('--max-states', value());
        break;
      case '--max-ms':
        a.maxMs = parsePositive('--max-ms', value());
        break;
      case '--max-memory-mb':
        a.maxMemoryMb = parsePositive('--max-memory-mb', value());
        break;
      case '--designs': {
        const v = value();
        if (!v) throw new UsageError(`--designs needs 'all' or a comma list of ${DESIGNS.map((d) => d.value).join(', ')}`);
        const names = v === 'all' ? DESIGNS.map((d) => d.value) : v.split(',').map((x) => x.trim());
        for (const n of names) if (!DESIGNS.some((d) => d.value === n)) throw new UsageError(`unknown design '${n}' in --designs: valid are all, ${DESIGNS.map((d) => d.value).join(', ')}`);
        a.designs = names as Design[];
        break;
      }
      case '--':
        // everything after `--` is a path, even if it starts with '-'
        a.paths.push(...argv.slice(i + 1));
        i = argv.length;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`);
        a.paths.push(arg);
    }
  }
  if (a.paths.length === 0) throw new UsageError('check needs at least one file or folder');
  if (a.json && a.sarif) throw new UsageError('--json and --sarif each print one document: choose one');
  if (a.suggestFixes && a.sarif) throw new UsageError('--suggest-fixes prints with text or --json, not --sarif');
  return a;
}

function runCheck(argv: string[], out: Output): number {
  const args = parseCheckArgs(argv);
  const files = collectFiles(args.paths);
  const results: { file: string; fa: FileAnalysis; readError?: string; fixes?: ScenarioFixes[] }[] = [];
  const now = (): number => Date.now();
  let unreadable = 0;
  for (const file of files) {
    const src = readSource(file);
    if ('error' in src) {
      unreadable++;
      results.push({ file, fa: { errors: [], scenarios: [] }, readError: src.error });
      if (!args.json && !args.sarif) out.write(`${displayPath(file)}:1:1: error: [read] cannot read: ${src.error}\n`);
      continue;
    }
    const checked = checkFile(src.text);
    const analyzed = analyzeChecked(checked, {
      ...(args.maxStates !== undefined ? { maxStates: args.maxStates } : {}),
      ...(args.maxMs !== undefined ? { maxMs: args.maxMs } : {}),
      ...(args.maxMemoryMb !== undefined ? { maxBytes: args.maxMemoryMb * 1024 * 1024 } : {}),
      ...(args.designs ? { designs: args.designs } : {}),
      ...(args.outcomes ? { outcomes: true } : {}),
      now,
    });
    // an empty file checks nothing: say so rather than pass silently
    const empty = analyzed.scenarios.length === 0 && analyzed.errors.length === 0;
    const fa: FileAnalysis = empty ? { ...analyzed, errors: [{ line: 1, col: 1, endLine: 1, endCol: 1, severity: 'warning', code: 'empty', message: 'no scenarios in this file' }] } : analyzed;
    const fixes = args.suggestFixes ? searchFileFixes(checked, fa.scenarios, { ...(args.maxMemoryMb !== undefined ? { maxBytes: args.maxMemoryMb * 1024 * 1024 } : {}), now }) : undefined;
    results.push({ file, fa, ...(fixes ? { fixes } : {}) });
    if (!args.json && !args.sarif) {
      const lines = formatFileText(displayPath(file), fa, { brief: args.brief, quiet: args.quiet, timing: args.timing, full: args.full ?? false, outcomes: args.outcomes });
      if (fixes) lines.push(...formatFixesText(displayPath(file), checked, fixes, args.timing));
      if (lines.length) out.write(lines.join('\n') + '\n');
    }
  }
  const t = { ...tally(results.map((r) => r.fa)), unreadable };
  const failed = !isOk(t);
  // exit 2 for unreadable paths (SPEC §9), after checking every file that could be read
  const exitCode = unreadable > 0 ? 2 : failed ? 1 : 0;
  if (args.sarif) {
    out.write(JSON.stringify(toSarif(results, { quiet: args.quiet, toolVersion: version(), root: process.cwd(), exitCode }), null, 2) + '\n');
  } else if (args.json) {
    const docs = results.map((r) => ({ ...toJsonFile(r.file, r.fa), ...(r.readError ? { readError: r.readError } : {}), ...(r.fixes ? { fixes: toJsonFixes(r.fixes) } : {}) }));
    out.write(JSON.stringify({ files: docs, summary: { ...t, ok: !failed } }, null, 2) + '\n');
  } else {
    if (args.designs) out.write(designTable(results, args.designs).join('\n') + '\n');
    out.write(summaryLine(t) + '\n');
  }
  return exitCode;
}

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export function main(argv: string[], out: Output = new Output(process.stdout)): number {
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      out.write(USAGE + '\n');
      return out.status(cmd === undefined ? 2 : 0);
    }
    if (cmd === '--version') {
      out.write(`vmscen ${version()}\n`);
      return out.status(0);
    }
    if (cmd === 'check') {
      const beforeDashes = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
      if (beforeDashes.includes('-h') || beforeDashes.includes('--help')) {
        out.write(USAGE + '\n');
        return out.status(0);
      }
      return out.status(runCheck(rest, out));
    }
    if (cmd === 'lsp') throw new UsageError("'vmscen lsp' is started by bin/vmscen.js (the language server is dist/server.js)");
    throw new UsageError(`unknown command '${cmd}': use 'vmscen check PATH…' or 'vmscen lsp'`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof PathError) {
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
