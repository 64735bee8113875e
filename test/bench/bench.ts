// `npm run bench`: measurements, never assertions.
//  1. parse+check of a generated 1,000-line file (median of many runs);
//  2. the explorer on the scalable seed-race family (shared/bench), per variant and N:
//     states, transitions, states/s, bytes per stored state, wall time, verdict;
//  3. with --vs-spin and `spin` installed: SPIN on the same family in the same run, and ratios.
// Options: --max-n N (default 5), --variants race,flush,wlock, --vs-spin, --parse-only, --engine-only,
//          --designs classic,… (engine runs per design), --runs N (parse runs), --lsp (and the
//          editor latencies), --lsp-only (parse and editor latencies), --lsp-runs N (edits per kind).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkFile } from '../../server/src/analysis/check-file';
import { explore } from '../../server/src/explore/explore';
import { lowerScenario } from '../../server/src/lang/lower';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient } from '../lsp/lsp-client';
import { DESIGNS, type Design } from '../../server/src/engine/settings';
import { familyScenario, thousandLines, type Variant } from './family';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const has = (name: string): boolean => args.includes(name);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const w = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells.map((r, i) => `| ${r.map((x, c) => (i === 0 || isNaN(Number(x.replace(/[,%x]/g, ''))) ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join(' | ')} |${i === 0 ? `\n|${w.map((x) => '-'.repeat(x + 2)).join('|')}|` : ''}`).join('\n');
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function benchParse(): void {
  const text = thousandLines();
  const runs = Number(opt('--runs', '200'));
  for (let i = 0; i < 20; i++) checkFile(text); // warm up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = checkFile(text);
    times.push(performance.now() - t0);
    const bad = r.diagnostics.find((d) => d.severity === 'error');
    if (bad) throw new Error(`the generated file has errors: ${bad.span.line}:${bad.span.col} ${bad.message}`);
  }
  console.log(`\n## parse + check, generated file of ${text.split('\n').length - 1} lines, ${text.length} bytes, ${runs} runs\n`);
  console.log(table([['median ms', 'min ms', 'p90 ms'], [median(times).toFixed(2), Math.min(...times).toFixed(2), [...times].sort((a, b) => a - b)[Math.floor(runs * 0.9)]!.toFixed(2)]]));
}

interface EngineRow {
  design: Design;
  variant: Variant;
  n: number;
  states: number;
  transitions: number;
  ms: number;
  bytes: number;
  verdict: string;
}

function benchEngine(): EngineRow[] {
  const maxN = Number(opt('--max-n', '5'));
  const variants = opt('--variants', 'flush,race,wlock').split(',') as Variant[];
  const designs = opt('--designs', DESIGNS.map((d) => d.value).join(',')).split(',') as Design[];
  const rows: EngineRow[] = [];
  for (const design of designs) {
  for (const variant of variants) {
    for (let n = 2; n <= maxN; n++) {
      const file = checkFile(familyScenario(n, variant));
      const spec = { ...lowerScenario(file.scenarios[0]!.model), design };
      const t0 = performance.now();
      const r = explore(spec, { maxStates: 200_000_000 });
      const ms = performance.now() - t0;
      const codes = [...new Set(r.findings.map((f) => f.code))];
      rows.push({ design, variant, n, states: r.stats.states, transitions: r.stats.transitions, ms, bytes: r.stats.bytesPerState, verdict: `${r.complete ? '' : 'INCOMPLETE '}${codes.length ? codes.join(', ') : 'clean'}` });
    }
  }
  }
  console.log('\n## explorer: the seed-race family (N user threads + 1 write-protector, K = 2 pages), per locking design\n');
  console.log('The family\'s VMA is plain anonymous (no uffd), so spf and pervma faults skip mmap_lock: `wlock` (mmap_lock for write, vmalock=off) is not enough there.\n');
  const base = (r: EngineRow): EngineRow | undefined => rows.find((x) => x.design === 'classic' && x.variant === r.variant && x.n === r.n);
  console.log(
    table([
      ['design', 'variant', 'N', 'states', 'states vs classic', 'transitions', 'states/s', 'bytes/state', 'wall ms', 'verdict'],
      ...rows.map((r) => {
        const b = base(r);
        return [r.design, r.variant, r.n, fmt(r.states), b ? `${(r.states / b.states).toFixed(2)}x` : '-', fmt(r.transitions), fmt(r.states / (r.ms / 1000)), r.bytes.toFixed(1), fmt(r.ms), r.verdict];
      }),
    ]),
  );
  return rows;
}

function spinAvailable(): boolean {
  return spawnSync('spin', ['-V'], { encoding: 'utf8' }).status === 0;
}

/** Run SPIN's lean peer model for (variant, n): states stored and pan time. */
function runSpin(variant: Variant, n: number): { states: number; ms: number; errors: number } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-spin-'));
  const gen = spawnSync('python3', [path.resolve('../shared/bench/gen_scale.py'), '--lean', '--variant', variant, String(n)], { cwd: dir, encoding: 'utf8' });
  if (gen.status !== 0) return undefined;
  const pml = fs.readdirSync(dir).find((f) => f.endsWith('.pml'));
  if (!pml) return undefined;
  if (spawnSync('spin', ['-a', pml], { cwd: dir }).status !== 0) return undefined;
  const collapse = n >= 6 ? ['-DCOLLAPSE'] : [];
  if (spawnSync('gcc', ['-O2', '-DMEMLIM=8000', ...collapse, '-o', 'pan', 'pan.c'], { cwd: dir }).status !== 0) return undefined;
  const t0 = performance.now();
  const pan = spawnSync('./pan', ['-m100000', '-w25', '-c0'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  const states = Number(/(\d+) states, stored/.exec(pan.stdout)?.[1] ?? NaN);
  const errors = Number(/errors: (\d+)/.exec(pan.stdout)?.[1] ?? NaN);
  fs.rmSync(dir, { recursive: true, force: true });
  return { states, ms, errors };
}

function benchSpin(rows: EngineRow[]): void {
  if (!spinAvailable()) {
    console.log('\n(--vs-spin: `spin` is not installed; `apt-get install spin` to compare)');
    return;
  }
  const out: (string | number)[][] = [['variant', 'N', 'SPIN states (lean)', 'SPIN pan ms', 'SPIN states/s', 'vmscen states', 'vmscen states/s', 'states ratio', 'speed ratio', 'verdicts agree']];
  for (const r of rows.filter((x) => x.design === 'classic')) {
    const s = runSpin(r.variant, r.n);
    if (!s) continue;
    const spinBug = s.errors > 0;
    const ours = r.verdict.includes('lost-write');
    out.push([r.variant, r.n, fmt(s.states), fmt(s.ms), fmt(s.states / (s.ms / 1000)), fmt(r.states), fmt(r.states / (r.ms / 1000)), `${(r.states / s.states).toFixed(2)}x`, `${(r.states / r.ms / (s.states / s.ms)).toFixed(2)}x`, spinBug === ours ? 'yes' : 'NO']);
  }
  console.log('\n## vs SPIN 6.5 (lean encoding, exhaustive, -c0), same machine, same run\n');
  console.log(table(out));
}

/** Race (and expectation) diagnostics: an exploration's, not only the parse's. */
const explored = (p: { diagnostics: { code?: unknown }[] }): boolean => p.diagnostics.some((d) => d.code === 'met' || d.code === 'failed' || d.code === 'inconclusive');

/** An open document in the bench: its text as the server has it, and how long an edit takes to show. */
class BenchDoc {
  private doc: TextDocument;

  constructor(
    private readonly c: LspClient,
    readonly uri: string,
    text: string,
  ) {
    this.doc = TextDocument.create(uri, 'vmscen', 1, text);
  }

  get text(): string {
    return this.doc.getText();
  }

  /** Edit; the ms until this version's diagnostics, and until its race diagnostics. */
  async edit(range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string): Promise<{ parse: number; race: number }> {
    const v = this.doc.version + 1;
    this.doc = TextDocument.update(this.doc, [{ range, text }], v);
    const t0 = performance.now();
    await this.c.edit(this.uri, v, range, text);
    await this.c.waitFor(this.uri, (_d, p) => p.version === v, 60_000);
    const parse = performance.now() - t0;
    await this.c.waitFor(this.uri, (_d, p) => p.version === v && explored(p), 60_000);
    return { parse, race: performance.now() - t0 };
  }
}

/**
 * Editor latencies through the real server, per example: keystroke -> parse diagnostics, and
 * keystroke -> race diagnostics for (a) an edit that changes no scenario's meaning (a space typed
 * into and deleted from the first comment line) and (b) an edit that does (a `limit states N`
 * line in the first scenario, N new on every edit, so each version needs an exploration: an
 * option toggled back and forth would be answered from the cache every second edit).
 */
async function benchLsp(): Promise<void> {
  const c = new LspClient();
  await c.initialize({});
  const rows: (string | number)[][] = [['example', 'keystroke → parse diagnostics ms', 'no-spec edit → race diagnostics ms', 'semantic edit → race diagnostics ms']];
  const files = fs.readdirSync('examples').filter((f) => f.endsWith('.vmscen')).sort();
  const runs = Number(opt('--lsp-runs', '9'));
  for (const f of files) {
    const uri = `file:///bench/${f}`;
    const d = new BenchDoc(c, uri, fs.readFileSync(path.join('examples', f), 'utf8'));
    await c.open(uri, d.text, 1);
    await c.waitFor(uri, (_d, p) => explored(p), 60_000);
    const parse: number[] = [];
    const same: number[] = [];
    const semantic: number[] = [];
    for (let i = 0; i < runs; i++) {
      const at = { line: 0, character: 2 };
      const t = await d.edit(i % 2 ? { start: at, end: { line: 0, character: 3 } } : { start: at, end: at }, i % 2 ? '' : ' ');
      parse.push(t.parse);
      same.push(t.race);
    }
    const head = d.text.split('\n').findIndex((l) => /^scenario\s+\S+\s*\{\s*$/.test(l));
    if (head < 0) throw new Error(`${f}: no 'scenario NAME {' line`);
    const N = 1_000_000;
    await d.edit({ start: { line: head + 1, character: 0 }, end: { line: head + 1, character: 0 } }, `  limit states ${N}\n`);
    const num = (line: number): { start: { line: number; character: number }; end: { line: number; character: number } } => ({ start: { line, character: 15 }, end: { line, character: 15 + String(N).length } });
    for (let i = 1; i <= runs; i++) semantic.push((await d.edit(num(head + 1), String(N + i))).race);
    rows.push([f, median(parse).toFixed(1), median(same).toFixed(1), median(semantic).toFixed(0)]);
  }
  await c.close();
  console.log(`\n## editor latency through the language server (stdio, default settings, median of ${runs} edits each)\n`);
  console.log(table(rows));
}

async function main(): Promise<void> {
  console.log(`# vmscen bench — node ${process.version} ${process.execArgv.join(' ')}, ${os.cpus().length} cpus, ${os.cpus()[0]?.model ?? ''}`);
  if (!has('--engine-only')) benchParse();
  if (has('--parse-only')) return;
  if (has('--lsp-only')) return benchLsp();
  const rows = benchEngine();
  if (has('--vs-spin')) benchSpin(rows);
  if (has('--lsp')) await benchLsp();
}

void main();
