// The verified fix search (`vmscen check --suggest-fixes`, the editor's verified quick fixes):
// for each finding of an explored scenario, apply small edits of the design under test
// (fix-candidates.ts) to the text, re-check and re-explore the scenario, and keep the edits
// that remove the finding without introducing any other finding, without a deadlock and with
// a complete exploration. The search stops at the first `maxFixes` verified fixes of the
// candidate order, so the list it returns is exactly the top of that order; it shares one
// state budget (`budgetFactor` times the scenario's own exploration, at least MIN_BUDGET
// states) between every finding and candidate of the scenario, and says incomplete when the
// budget, the time limit or a cancellation cut it short: never "no fix" then.
import type { Design } from '../engine/settings';
import type { CheckedScenario } from '../lang/checks';
import type { ScenarioSpec } from '../engine/scenario';
import { DEFAULT_MAX_STATES } from '../explore/budget';
import { explore } from '../explore/explore';
import { lowerScenario } from '../lang/lower';
import { checkFile, isExplorable, type CheckedFile } from './check-file';
import { applyEdits, candidatesFor, type FixCandidate } from './fix-candidates';
import type { FindingView, ScenarioAnalysis } from './views';

export type { FixCandidate, OptionChange } from './fix-candidates';

export type CandidateVerdict = 'fix' | 'keeps-finding' | 'new-finding' | 'deadlock' | 'stuck' | 'incomplete' | 'invalid';

export interface TriedCandidate {
  readonly candidate: FixCandidate;
  readonly verdict: CandidateVerdict;
  /** Why, in one sentence. */
  readonly reason: string;
  readonly states: number;
  readonly ms: number;
}

export interface FindingFixes {
  readonly finding: { readonly type: 'race' | 'violation'; readonly code: string; readonly thread: string; readonly line: number; readonly col: number };
  /** Verified fixes, best first (at most maxFixes). */
  readonly fixes: readonly TriedCandidate[];
  /** Every candidate explored, in order, with its verdict (fixes included). */
  readonly tried: readonly TriedCandidate[];
  /** Every candidate was tried, or maxFixes fixes were found. */
  readonly complete: boolean;
  readonly stopped?: 'budget' | 'time-limit' | 'cancelled';
}

export interface ScenarioFixes {
  readonly name: string;
  readonly locking: Design;
  readonly line: number;
  readonly col: number;
  /** The scenario's own exploration. */
  readonly explored: { readonly states: number; readonly ms: number };
  readonly findings: readonly FindingFixes[];
  readonly budget: { readonly states: number; readonly used: number };
  readonly ms: number;
}

export interface FixSearchOptions {
  /** Stop a finding's search at this many verified fixes (default 3). */
  readonly maxFixes?: number;
  /** The shared state budget as a multiple of the scenario's own exploration (default 10). */
  readonly budgetFactor?: number;
  /** The shared state budget in states, instead of budgetFactor's. */
  readonly budgetStates?: number;
  /** A wall-clock limit for the whole scenario's search. */
  readonly maxMs?: number;
  readonly maxBytes?: number;
  readonly now?: () => number;
  readonly cancelled?: () => boolean;
  /** Search only for the finding reported here (an editor's diagnostic); default: every finding. */
  readonly target?: { readonly line: number; readonly col: number; readonly code: string };
}

/** A scenario's exploration budget floor: tiny scenarios explore a few dozen states. */
export const MIN_BUDGET = 20_000;

function findingKey(f: { type: string; code: string; thread: string }): string {
  return `${f.type}:${f.code}:${f.thread}`;
}

/** The scenario alone, other text blanked (lines and columns kept), so a re-check checks only it. */
function isolate(text: string, start: number, end: number): string {
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
  return blank(text.slice(0, start)) + text.slice(start, end) + blank(text.slice(end));
}

/** A candidate's exploration, its findings keyed by type, code and thread name. */
interface Explored {
  readonly findings: readonly { readonly key: string; readonly type: string; readonly code: string; readonly thread: string; readonly message: string }[];
  readonly complete: boolean;
  readonly reason?: string;
  readonly states: number;
  readonly ms: number;
  /** Terminal states, and those in which a thread waits in userfaultfd forever. */
  readonly terminal: number;
  readonly uffdStuck: number;
}

interface Outcome {
  readonly explored?: Explored;
  readonly error?: string;
  /** The shared budget (or the time limit, or a cancellation) cut this exploration short. */
  readonly outOfBudget: boolean;
}

class Explorer {
  private readonly cache = new Map<string, Outcome>();
  used = 0;
  private readonly deadline: number;
  private readonly now: () => number;

  constructor(
    private readonly file: CheckedFile,
    private readonly sc: CheckedScenario,
    private readonly design: Design,
    readonly total: number,
    private readonly options: FixSearchOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.deadline = options.maxMs !== undefined ? this.now() + options.maxMs : Infinity;
  }

  stopReason(): 'budget' | 'time-limit' | 'cancelled' | undefined {
    if (this.options.cancelled?.()) return 'cancelled';
    if (this.now() >= this.deadline) return 'time-limit';
    if (this.used >= this.total) return 'budget';
    return undefined;
  }

  run(c: FixCandidate): Outcome {
    const edited = applyEdits(this.file, c.edits);
    const delta = edited.length - this.file.text.length;
    const text = isolate(edited, this.sc.ast.span.start, this.sc.ast.span.end + delta);
    const hit = this.cache.get(text);
    if (hit) return hit;
    const file = checkFile(text);
    const sc = file.scenarios.find((s) => s.model.name === this.sc.model.name);
    let out: Outcome;
    if (!sc || !isExplorable(file, sc)) {
      const err = file.diagnostics.find((d) => d.severity === 'error');
      out = { error: err ? `line ${err.span.line}: ${err.message}` : 'the edited scenario does not check', outOfBudget: false };
    } else {
      out = this.explore(sc);
    }
    if (!out.outOfBudget) this.cache.set(text, out);
    return out;
  }

  private explore(sc: CheckedScenario): Outcome {
    let spec: ScenarioSpec;
    try {
      spec = { ...lowerScenario(sc.model), design: this.design };
    } catch (e) {
      return { error: `internal lowering failure: ${(e as Error).message}`, outOfBudget: false };
    }
    const remaining = this.total - this.used;
    const ownLimit = sc.model.limits.states ?? DEFAULT_MAX_STATES;
    const msLeft = Math.min(this.deadline - this.now(), sc.model.limits.ms ?? Infinity);
    const r = explore(spec, {
      maxStates: Math.min(remaining, ownLimit),
      ...(Number.isFinite(msLeft) ? { maxMs: Math.max(1, msLeft) } : {}),
      ...(this.options.maxBytes !== undefined ? { maxBytes: this.options.maxBytes } : {}),
      ...(this.options.now ? { now: this.options.now } : {}),
      ...(this.options.cancelled ? { cancelled: this.options.cancelled } : {}),
    });
    this.used += r.stats.states;
    const outOfBudget = !r.complete && (r.reason === 'cancelled' || (r.reason === 'time-limit' && this.now() >= this.deadline) || (r.reason === 'state-limit' && remaining < ownLimit));
    const name = (t: number): string => (t < 0 ? '' : (spec.threads[t]?.name ?? ''));
    const findings = r.findings.map((f) => ({ key: findingKey({ type: f.type, code: f.code, thread: name(f.place.thread) }), type: f.type, code: f.code, thread: name(f.place.thread), message: f.message }));
    return { explored: { findings, complete: r.complete, ...(r.reason ? { reason: r.reason } : {}), states: r.stats.states, ms: r.stats.ms, terminal: r.stats.terminal, uffdStuck: r.uffdStuck }, outOfBudget };
  }
}

function judge(c: FixCandidate, o: Outcome, target: FindingView, original: ReadonlySet<string>, originalStuck: number): TriedCandidate {
  const base = { candidate: c, states: o.explored?.states ?? 0, ms: o.explored?.ms ?? 0 };
  if (!o.explored) return { ...base, verdict: 'invalid', reason: o.error ?? 'not explorable' };
  const a = o.explored;
  const tkey = findingKey(target);
  if (a.findings.some((f) => f.key === tkey)) return { ...base, verdict: 'keeps-finding', reason: `${target.type} ${target.code}${target.thread ? ` by ${target.thread}` : ''} is still found` };
  const fresh = a.findings.filter((f) => f.key === tkey || !original.has(f.key));
  const deadlock = fresh.find((f) => f.code === 'deadlock');
  if (deadlock) return { ...base, verdict: 'deadlock', reason: `the scenario deadlocks: ${deadlock.message}` };
  if (fresh.length) return { ...base, verdict: 'new-finding', reason: `introduces ${fresh[0]!.type} ${fresh[0]!.code}${fresh[0]!.thread ? ` by ${fresh[0]!.thread}` : ''}` };
  if (!a.complete) return { ...base, verdict: 'incomplete', reason: `the exploration stopped (${a.reason ?? 'incomplete'}) before it covered every interleaving` };
  // every interleaving ends with a thread waiting in userfaultfd (no `unprotect` frees it): the
  // scenario no longer completes, though the engine reports no deadlock for it
  if (a.uffdStuck > 0 && a.uffdStuck === a.terminal && originalStuck === 0) return { ...base, verdict: 'stuck', reason: 'every interleaving ends with a thread waiting in userfaultfd forever: the scenario no longer completes' };
  return { ...base, verdict: 'fix', reason: `removes ${target.type} ${target.code}; no other finding, no deadlock, every thread completes` };
}

function editKeys(c: FixCandidate): string[] {
  return c.edits.map((e) => `${e.line}:${e.col}:${e.endLine}:${e.endCol}:${e.newText}`);
}

function searchFinding(ex: Explorer, file: CheckedFile, sc: CheckedScenario, target: FindingView, original: ReadonlySet<string>, originalStuck: number, maxFixes: number): FindingFixes {
  const { ordered, maxSize } = candidatesFor(file, sc.ast, target);
  const finding = { type: target.type, code: target.code, thread: target.thread, line: target.line, col: target.col };
  const tried: TriedCandidate[] = [];
  const fixes: TriedCandidate[] = [];
  const seen = new Set<string>();
  for (let size = 1; size <= maxSize; size++) {
    for (const c of ordered(size, (c1) => !tried.some((t) => t.candidate === c1 && t.verdict === 'invalid'))) {
      const keys = editKeys(c);
      const id = [...keys].sort().join('|');
      if (seen.has(id)) continue;
      seen.add(id);
      // a superset of a verified fix is not a smaller fix
      if (fixes.some((f) => editKeys(f.candidate).every((k) => keys.includes(k)))) continue;
      const stop = ex.stopReason();
      if (stop) return { finding, fixes, tried, complete: false, stopped: stop };
      const o = ex.run(c);
      if (o.outOfBudget) return { finding, fixes, tried, complete: false, stopped: ex.stopReason() ?? 'budget' };
      const t = judge(c, o, target, original, originalStuck);
      tried.push(t);
      if (t.verdict === 'fix') {
        fixes.push(t);
        if (fixes.length >= maxFixes) return { finding, fixes, tried, complete: true };
      }
    }
  }
  return { finding, fixes, tried, complete: true };
}

/** The fix search for one explored scenario (its analysis under `design`). */
export function searchScenarioFixes(file: CheckedFile, sc: CheckedScenario, original: ScenarioAnalysis, options: FixSearchOptions = {}): ScenarioFixes {
  const now = options.now ?? Date.now;
  const t0 = now();
  const total = options.budgetStates ?? (options.budgetFactor ?? 10) * Math.max(original.stats.states, MIN_BUDGET);
  const ex = new Explorer(file, sc, original.locking, total, options);
  const all = [...original.races, ...original.violations];
  const originalKeys = new Set(all.map(findingKey));
  // the unedited scenario, for its userfaultfd waiters (explored once more, inside the budget)
  const originalStuck = ex.run({ kind: 'option', title: 'unedited', size: 0, rank: 0, changes: [], commits: [], edits: [] }).explored?.uffdStuck ?? 0;
  const findings: FindingFixes[] = [];
  const done = new Set<string>();
  const target = options.target;
  for (const f of all) {
    if (target && (f.line !== target.line || f.col !== target.col || f.code !== target.code)) continue;
    if (done.has(findingKey(f))) continue;
    done.add(findingKey(f));
    findings.push(searchFinding(ex, file, sc, f, originalKeys, originalStuck, options.maxFixes ?? 3));
  }
  return {
    name: original.name,
    locking: original.locking,
    line: original.line,
    col: original.col,
    explored: { states: original.stats.states, ms: original.stats.ms },
    findings,
    budget: { states: total, used: ex.used },
    ms: now() - t0,
  };
}

/** The fix search for every explored scenario of a file with a finding (analysis: analyzeChecked(file)). */
export function searchFileFixes(file: CheckedFile, analyses: readonly ScenarioAnalysis[], options: FixSearchOptions = {}): ScenarioFixes[] {
  const out: ScenarioFixes[] = [];
  for (const a of analyses) {
    if (!a.explored || a.races.length + a.violations.length === 0) continue;
    const sc = file.scenarios.find((s) => s.model.name === a.name && s.ast.headSpan.line === a.line);
    if (!sc) continue;
    out.push(searchScenarioFixes(file, sc, a, options));
  }
  return out;
}
