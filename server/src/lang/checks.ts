// Semantic checks of one scenario: names resolved, duplicates, alignment, overlapping VMAs,
// maps outside VMAs, CPUs, options, references and registers. Produces diagnostics at exact
// spans and a resolved model that lower.ts turns into the engine's ScenarioSpec.
import { RACE_KINDS, VIOLATION_CODES } from '../engine/findings';
import { ARCH_OPTIONS, ARCHES, DESIGNS, findOp, REUSE_RULES, type Arch, type Design, type Prot, type ReuseRule } from '../engine/ops';
import { PAGE_SIZE, type CondSpec, type OperandSpec } from '../engine/scenario';
import { checkAddress, checkRange, err, hex, warn } from './addresses';
import type * as A from './ast';
import { suggest } from './cst-to-ast';
import type { LangDiagnostic } from './diagnostic';
import type { Span } from './span';
import { shapeStep, type ShapedStep } from './step-shapes';

export interface ModelVma {
  readonly start: number;
  readonly end: number;
  readonly prot: Prot;
  readonly file: boolean;
  readonly shared: boolean;
  readonly growsdown: boolean;
  readonly uffd: boolean;
  readonly cache: readonly (number | undefined)[];
  readonly span: Span;
}

export interface ModelMm {
  readonly name: string;
  readonly span: Span | undefined;
  forkedBy: { thread: number; step: number } | undefined;
  readonly vmas: ModelVma[];
  readonly ptes: { addr: number; frame: number; writable: boolean; span: Span }[];
}

export interface ModelFrame {
  readonly name: string;
  readonly span: Span | undefined;
  readonly value: number;
  readonly shared: boolean;
  readonly readonly: boolean;
  readonly refs: number;
  pageCache: boolean;
}

export interface ModelThread {
  readonly name: string;
  readonly span: Span;
  readonly nameSpan: Span | undefined;
  readonly cpu: number;
  mm: number;
  readonly mmName: A.Name | undefined;
  readonly steps: ShapedStep[];
  readonly registers: string[];
  readonly registerSpans: Span[];
  readonly refs: string[];
  readonly refSpans: Span[];
}

export type ExpectKind = 'race' | 'no-race' | 'violation' | 'no-violation' | 'deadlock' | 'no-deadlock' | 'clean';

export interface Expectation {
  readonly kind: ExpectKind;
  /** The race kind or violation code, where the line names one. */
  readonly code: string | undefined;
  readonly text: string;
  readonly span: Span;
}

export interface ModelCheck {
  readonly cond: CondSpec;
  readonly text: string;
  readonly span: Span;
}

export interface ScenarioModel {
  readonly name: string;
  readonly nameSpan: Span;
  design: Design;
  arch: Arch;
  rcuTableFree: boolean;
  reuse: ReuseRule;
  readonly mms: ModelMm[];
  readonly frames: ModelFrame[];
  readonly tlbs: { cpu: number; addr: number; frame: number; writable: boolean; span: Span }[];
  readonly threads: ModelThread[];
  readonly expectations: Expectation[];
  readonly checks: ModelCheck[];
  readonly limits: { states?: number; ms?: number };
}

export interface CheckedScenario {
  readonly ast: A.ScenarioNode;
  readonly model: ScenarioModel;
  readonly diagnostics: LangDiagnostic[];
}

const MM_ITEMS = new Set(['vma', 'map', 'frame', 'tlb', 'unknown']);

export function checkScenario(ast: A.ScenarioNode, text: string): CheckedScenario {
  return new ScenarioChecker(ast, text).run();
}

class ScenarioChecker {
  private readonly out: LangDiagnostic[] = [];
  private readonly model: ScenarioModel;
  private readonly seen = new Map<string, Span>();

  constructor(
    private readonly ast: A.ScenarioNode,
    private readonly text: string,
  ) {
    this.model = {
      name: ast.name?.text ?? '',
      nameSpan: ast.name?.span ?? ast.headSpan,
      design: 'classic',
      arch: 'x86',
      rcuTableFree: true,
      reuse: 'exclusive',
      mms: [{ name: 'main', span: undefined, forkedBy: undefined, vmas: [], ptes: [] }],
      frames: [],
      tlbs: [],
      threads: [],
      expectations: [],
      checks: [],
      limits: {},
    };
  }

  run(): CheckedScenario {
    const items = this.ast.items;
    // Pass 1: settings, mms, frames (frames may be declared anywhere, also after use).
    for (const d of items) this.settings(d);
    const mmDecls: { decl: A.DeclNode; mm: number }[] = [];
    for (const d of items) {
      if (d.kind === 'mm') {
        const idx = this.declareMm(d);
        for (const inner of d.items) {
          if (!MM_ITEMS.has(inner.kind)) {
            this.out.push(err(inner.span, `'${inner.kind}' is not allowed inside an mm block: only vma, map, frame and tlb`, 'misplaced'));
            continue;
          }
          mmDecls.push({ decl: inner, mm: idx ?? -1 });
        }
      } else mmDecls.push({ decl: d, mm: 0 });
    }
    for (const { decl } of mmDecls) if (decl.kind === 'frame') this.frame(decl);
    // Pass 2: VMAs, then maps (which need VMAs), then threads (which need mms), then the rest.
    for (const { decl, mm } of mmDecls) if (decl.kind === 'vma' && mm >= 0) this.vma(decl, mm);
    this.checkOverlaps();
    for (const { decl, mm } of mmDecls) if (decl.kind === 'map' && mm >= 0) this.map(decl, mm);
    const threadDecls = items.filter((d): d is A.ThreadDecl => d.kind === 'thread');
    this.threads(threadDecls);
    this.checkThreadMms();
    for (const { decl } of mmDecls) if (decl.kind === 'tlb') this.tlb(decl);
    for (const d of items) {
      if (d.kind === 'expect') this.expect(d);
      else if (d.kind === 'check') this.check(d);
      else if (d.kind === 'limit') this.limit(d);
    }
    // (a scenario without a name has a syntax error, already reported, that says more)
    if (this.model.threads.length === 0 && this.ast.name && !this.out.some((d) => d.severity === 'error')) {
      this.out.push(warn(this.ast.headSpan, `scenario '${this.model.name}' has no threads: there is nothing to explore`, 'empty'));
    }
    return { ast: this.ast, model: this.model, diagnostics: this.out };
  }

  // ---- settings ----------------------------------------------------------------------

  private once(key: string, span: Span, what: string): boolean {
    const prev = this.seen.get(key);
    if (prev) {
      this.out.push(err(span, `${what} is already declared on line ${prev.line}`, 'duplicate'));
      return false;
    }
    this.seen.set(key, span);
    return true;
  }

  private choose<T extends string>(name: A.Name | undefined, values: readonly { value: T }[], what: string): T | undefined {
    if (!name) return undefined;
    const v = values.find((x) => x.value === name.text);
    if (v) return v.value;
    const valid = values.map((x) => x.value);
    const hint = suggest(name.text, valid);
    this.out.push(err(name.span, `unknown ${what} '${name.text}'${hint ? `; did you mean '${hint}'?` : '.'} Valid: ${valid.join(', ')}`, 'option'));
    return undefined;
  }

  private settings(d: A.DeclNode): void {
    switch (d.kind) {
      case 'locking': {
        if (!this.once('locking', d.span, "'locking'")) return;
        const v = this.choose(d.design, DESIGNS, 'locking design');
        if (v) this.model.design = v;
        return;
      }
      case 'reuse': {
        if (!this.once('reuse', d.span, "'reuse'")) return;
        const v = this.choose(d.rule, REUSE_RULES, 'reuse rule');
        if (v) this.model.reuse = v;
        return;
      }
      case 'arch': {
        if (!this.once('arch', d.span, "'arch'")) return;
        const v = this.choose(d.arch, ARCHES, 'architecture');
        if (v) this.model.arch = v;
        for (const w of d.words) this.out.push(err(w.span, `unexpected '${w.text}': arch x86|arm64 [rcu-table-free=on|off]`, 'shape'));
        for (const o of d.options) {
          const spec = ARCH_OPTIONS.find((s) => s.key === o.key.text);
          if (!spec) {
            this.out.push(err(o.key.span, `unknown option '${o.key.text}' for arch; valid: rcu-table-free=on|off`, 'option'));
            continue;
          }
          if (!o.value) continue; // `key=` with no value: a syntax error, already reported
          const val = o.value.text;
          if (val !== 'on' && val !== 'off') {
            this.out.push(err(o.value.span, `invalid value for rcu-table-free: valid values are on, off`, 'option'));
            continue;
          }
          this.model.rcuTableFree = val === 'on';
        }
        return;
      }
      default:
        return;
    }
  }

  // ---- address spaces ----------------------------------------------------------------

  private mmIndex(name: string): number | undefined {
    const i = this.model.mms.findIndex((m) => m.name === name);
    return i >= 0 ? i : undefined;
  }

  private declareMm(d: A.MmDecl): number | undefined {
    if (!d.name) return undefined;
    if (d.name.text === 'main') {
      this.out.push(err(d.name.span, "'main' is the default address space; declare its VMAs outside any mm block", 'duplicate'));
      return 0;
    }
    const prev = this.model.mms.find((m) => m.name === d.name!.text);
    if (prev) {
      this.out.push(err(d.name.span, `mm '${d.name.text}' is already declared${prev.span ? ` on line ${prev.span.line}` : ''}`, 'duplicate'));
      return undefined;
    }
    this.model.mms.push({ name: d.name.text, span: d.name.span, forkedBy: undefined, vmas: [], ptes: [] });
    return this.model.mms.length - 1;
  }

  private frameIndex(name: A.Name | undefined): number | undefined {
    if (!name) return undefined;
    const i = this.model.frames.findIndex((f) => f.name === name.text);
    if (i >= 0) return i;
    const hint = suggest(
      name.text,
      this.model.frames.map((f) => f.name),
    );
    this.out.push(err(name.span, `unknown frame '${name.text}'${hint ? `; did you mean '${hint}'?` : '.'} Declare it with 'frame ${name.text} = VALUE'`, 'unknown-name'));
    return undefined;
  }

  private frame(d: A.FrameDecl): void {
    if (!d.name) return;
    const prev = this.model.frames.find((f) => f.name === d.name!.text);
    if (prev) {
      this.out.push(err(d.name.span, `frame '${d.name.text}' is already declared on line ${prev.span?.line}`, 'duplicate'));
      return;
    }
    let shared = false;
    let readonly = false;
    let refs = 0;
    for (const w of d.words) {
      if (w.text === 'shared') shared = true;
      else if (w.text === 'readonly') readonly = true;
      else {
        const hint = suggest(w.text, ['shared', 'readonly']);
        this.out.push(err(w.span, `unknown frame flag '${w.text}'${hint ? `; did you mean '${hint}'?` : '.'} Valid: shared, readonly, refs=N`, 'shape'));
      }
    }
    for (const o of d.options) {
      if (o.key.text !== 'refs') {
        this.out.push(err(o.key.span, `unknown frame option '${o.key.text}'; valid: refs=N`, 'option'));
        continue;
      }
      if (!o.value) continue; // `refs=` with no value: a syntax error, already reported
      const v = 'value' in o.value ? o.value.value : undefined;
      if (v === undefined || v > 1000) {
        this.out.push(err(o.value.span, 'refs= takes a number of extra references from 0 to 1000', 'option'));
        continue;
      }
      refs = v;
    }
    this.model.frames.push({ name: d.name.text, span: d.name.span, value: d.value?.value ?? 0, shared, readonly, refs, pageCache: false });
  }

  private vma(d: A.VmaDecl, mm: number): void {
    if (!d.range) return;
    const r = checkRange(d.range, this.out);
    let prot: Prot | undefined;
    let file: boolean | undefined;
    let shared: boolean | undefined;
    let growsdown = false;
    let uffd = false;
    let unexpected = false;
    const setOnce = <T>(cur: T | undefined, val: T, w: A.Name, what: string): T => {
      if (cur === undefined) return val;
      this.out.push(err(w.span, `the VMA's ${what} is given twice`, 'duplicate'));
      return cur; // the first one stands, so the rest of the line is checked against it
    };
    for (const w of d.words) {
      switch (w.text) {
        case 'none':
        case 'r':
        case 'rw':
          prot = setOnce(prot, w.text, w, 'protection');
          break;
        case 'anon':
        case 'file':
          file = setOnce(file, w.text === 'file', w, 'kind (anon/file)');
          break;
        case 'private':
        case 'shared':
          shared = setOnce(shared, w.text === 'shared', w, 'sharing (private/shared)');
          break;
        case 'growsdown':
          growsdown = true;
          break;
        case 'uffd':
          uffd = true;
          break;
        default: {
          unexpected = true;
          const valid = ['none', 'r', 'rw', 'anon', 'file', 'private', 'shared', 'growsdown', 'uffd', 'cache'];
          const hint = suggest(w.text, valid);
          this.out.push(err(w.span, `unexpected '${w.text}' in vma${hint ? `; did you mean '${hint}'?` : '.'} Expected: vma RANGE none|r|rw anon|file private|shared [growsdown] [uffd] [cache F…]`, 'shape'));
        }
      }
    }
    const missing: string[] = [];
    if (prot === undefined) missing.push('a protection (none, r, rw)');
    if (file === undefined) missing.push('a kind (anon, file)');
    if (shared === undefined) missing.push('a sharing (private, shared)');
    // (after an unexpected word, which shows the whole shape, a missing one is no news)
    if (missing.length && !d.damaged && !unexpected) this.out.push(err(d.span, `vma needs ${missing.join(', ')}: vma RANGE PROT KIND SHARING [growsdown] [uffd]`, 'shape'));
    const cache: (number | undefined)[] = [];
    if (d.cache) {
      if (file === false) this.out.push(err(d.cacheKeyword ?? d.span, "'cache' lists page-cache frames: only a file VMA has them", 'shape'));
      for (const n of d.cache) {
        const f = this.frameIndex(n);
        if (f !== undefined) {
          this.model.frames[f]!.pageCache = true;
          cache.push(f);
        } else cache.push(undefined);
      }
      if (r) {
        const pages = (r.end - r.start) / PAGE_SIZE;
        if (d.cache.length !== pages) {
          this.out.push(err(d.cacheKeyword ?? d.span, `'cache' lists ${d.cache.length} frame${d.cache.length === 1 ? '' : 's'} for a VMA of ${pages} page${pages === 1 ? '' : 's'}: give one frame per page`, 'shape'));
        }
      }
    }
    if (file === true && !d.cache) {
      if (!d.damaged) this.out.push(err(d.span, "a file VMA needs its page-cache frames: add 'cache F1 F2 …' with one frame per page", 'shape'));
      return;
    }
    if (!r || prot === undefined || file === undefined || shared === undefined) return;
    if (growsdown && file) this.out.push(err(d.span, 'a growsdown VMA is an anonymous stack: use anon', 'shape'));
    this.model.mms[mm]!.vmas.push({ start: r.start, end: r.end, prot, file, shared, growsdown, uffd, cache, span: d.span });
  }

  private checkOverlaps(): void {
    for (const mm of this.model.mms) {
      const sorted = [...mm.vmas].sort((a, b) => a.span.start - b.span.start);
      for (let i = 0; i < sorted.length; i++) {
        for (let j = 0; j < i; j++) {
          const a = sorted[j]!;
          const b = sorted[i]!;
          if (a.start < b.end && b.start < a.end) {
            this.out.push(err(b.span, `this VMA ${hex(b.start)}..${hex(b.end)} overlaps the VMA ${hex(a.start)}..${hex(a.end)} on line ${a.span.line} (mm ${mm.name})`, 'overlap'));
          }
        }
      }
      // keep only the non-overlapping ones, in address order
      const kept = sorted.filter((b, i) => !sorted.slice(0, i).some((a) => a.start < b.end && b.start < a.end));
      mm.vmas.length = 0;
      mm.vmas.push(...kept.sort((a, b) => a.start - b.start));
    }
  }

  private vmaAt(mm: number, addr: number): ModelVma | undefined {
    return this.model.mms[mm]?.vmas.find((v) => v.start <= addr && addr < v.end);
  }

  private map(d: A.MapDecl, mm: number): void {
    if (!d.addr) return;
    const addr = checkAddress(d.addr, this.out);
    const frame = this.frameIndex(d.frame);
    const prot = this.mapProt(d.prot);
    if (addr === undefined || frame === undefined || prot === undefined) return;
    const m = this.model.mms[mm]!;
    const vma = this.vmaAt(mm, addr);
    if (!vma) {
      this.out.push(err(d.addr.span, `map ${hex(addr)} is outside every VMA of mm ${m.name}: declare a vma covering it first`, 'map-outside-vma'));
      return;
    }
    const dup = m.ptes.find((p) => p.addr === addr);
    if (dup) {
      this.out.push(err(d.addr.span, `${hex(addr)} is already mapped on line ${dup.span.line}`, 'duplicate'));
      return;
    }
    const f = this.model.frames[frame]!;
    if (prot === 'rw' && f.shared && !vma.shared) {
      this.out.push(err(d.prot!.span, `frame '${f.name}' is shared with another mm, so its private mapping must be read-only (COW): map it r`, 'shared-writable'));
      return;
    }
    if (prot === 'rw' && vma.prot !== 'rw') {
      this.out.push(err(d.prot!.span, `a writable PTE in a VMA with protection '${vma.prot}': the PTE may not allow more than its VMA`, 'prot'));
      return;
    }
    if (vma.prot === 'none') {
      this.out.push(err(d.span, 'a present PTE in a PROT_NONE VMA: map only pages the VMA allows', 'prot'));
      return;
    }
    if (prot === 'rw' && f.readonly) {
      this.out.push(err(d.prot!.span, `frame '${f.name}' is a read-only page-cache page: it cannot be mapped writable`, 'prot'));
      return;
    }
    m.ptes.push({ addr, frame, writable: prot === 'rw', span: d.span });
  }

  private mapProt(p: A.Name | undefined): 'r' | 'rw' | undefined {
    if (!p) return undefined;
    if (p.text === 'r' || p.text === 'rw') return p.text;
    this.out.push(err(p.span, `expected the PTE's protection r or rw, found '${p.text}' (an unmapped page has no PTE: leave out the map line)`, 'prot'));
    return undefined;
  }

  private cpuNumber(n: A.Name): number | undefined {
    const m = /^cpu([0-9]{1,3})$/.exec(n.text);
    if (!m || Number(m[1]) > 63) {
      this.out.push(err(n.span, `expected a CPU name cpu0 … cpu63, found '${n.text}'`, 'cpu'));
      return undefined;
    }
    return Number(m[1]);
  }

  private tlb(d: A.TlbDecl): void {
    if (!d.cpu) return;
    const cpu = this.cpuNumber(d.cpu);
    const addr = d.addr ? checkAddress(d.addr, this.out) : undefined;
    const frame = this.frameIndex(d.frame);
    const prot = this.mapProt(d.prot);
    if (cpu === undefined || addr === undefined || frame === undefined || prot === undefined) return;
    const dup = this.model.tlbs.find((t) => t.cpu === cpu && t.addr === addr);
    if (dup) {
      this.out.push(err(d.span, `cpu${cpu} already caches ${hex(addr)} on line ${dup.span.line}`, 'duplicate'));
      return;
    }
    const thread = this.model.threads.find((t) => t.cpu === cpu);
    const mm = thread?.mm ?? 0;
    const pte = this.model.mms[mm]?.ptes.find((p) => p.addr === addr);
    const writable = prot === 'rw';
    if (!pte || pte.frame !== frame || (writable && !pte.writable)) {
      const mmName = this.model.mms[mm]?.name ?? 'main';
      const now = pte ? `the PTE maps ${this.model.frames[pte.frame]!.name} ${pte.writable ? 'rw' : 'r'}` : `${hex(addr)} has no PTE in mm ${mmName}`;
      this.out.push(warn(d.span, `this TLB entry is stale from before the scenario (${now}): a store through it counts as after the op that changed the PTE`, 'stale-tlb'));
    }
    this.model.tlbs.push({ cpu, addr, frame, writable, span: d.span });
  }

  // ---- threads -----------------------------------------------------------------------

  private threads(decls: A.ThreadDecl[]): void {
    const usedCpus = new Map<number, string>();
    // explicit CPUs first, so default CPUs ("the next unused") avoid them
    const explicit = new Map<A.ThreadDecl, number>();
    for (const d of decls) {
      if (!d.cpu) continue;
      const c = this.cpuNumber(d.cpu);
      if (c === undefined) continue;
      const other = usedCpus.get(c);
      if (other !== undefined) {
        this.out.push(err(d.cpu.span, `cpu${c} is already used by thread '${other}': one thread per CPU`, 'cpu'));
        continue;
      }
      usedCpus.set(c, d.name?.text ?? '?');
      explicit.set(d, c);
    }
    let next = 0;
    const names = new Map<string, Span>();
    for (const d of decls) {
      if (!d.name) continue;
      const prev = names.get(d.name.text);
      if (prev) {
        this.out.push(err(d.name.span, `thread '${d.name.text}' is already declared on line ${prev.line}`, 'duplicate'));
        continue;
      }
      names.set(d.name.text, d.name.span);
      let cpu = explicit.get(d);
      if (cpu === undefined) {
        while (usedCpus.has(next)) next++;
        cpu = next;
        usedCpus.set(cpu, d.name.text);
      }
      const thread: ModelThread = {
        name: d.name.text,
        span: d.span,
        nameSpan: d.name.span,
        cpu,
        mm: 0,
        mmName: d.mm,
        steps: [],
        registers: [],
        registerSpans: [],
        refs: [],
        refSpans: [],
      };
      this.model.threads.push(thread);
      const tIdx = this.model.threads.length - 1;
      for (const s of d.steps) {
        const shaped = shapeStep(s, this.out);
        if (!shaped) {
          this.declareTargetOfBrokenStep(s, thread);
          continue;
        }
        this.stepNames(shaped, thread, tIdx);
        const first = shaped.slots[0];
        if ((shaped.op.name === 'lock' || shaped.op.name === 'unlock') && first?.kind === 'word' && first.text === 'range' && this.model.design !== 'range') {
          this.out.push(err(first.span, `range locks exist only under 'locking range' (this scenario is 'locking ${this.model.design}'): use 'lock mmap read|write' here, or switch the design`, 'design'));
          continue;
        }
        if ((shaped.op.name === 'lock' || shaped.op.name === 'unlock') && first?.kind === 'word' && first.text === 'vma' && this.model.design !== 'pervma') {
          this.out.push(err(first.span, `VMA locks exist only under 'locking pervma' (Linux 6.4+; this scenario is 'locking ${this.model.design}'): add 'locking pervma'`, 'design'));
          continue;
        }
        thread.steps.push(shaped);
      }
    }
  }

  /** A step with errors still names its reference or register, so later uses do not cascade. */
  private declareTargetOfBrokenStep(s: A.StepNode, t: ModelThread): void {
    const kind = findOp(s.op.text)?.target?.kind;
    if (!s.target || 'value' in s.target) return;
    if (kind === 'ref' && !t.refs.includes(s.target.text)) {
      t.refs.push(s.target.text);
      t.refSpans.push(s.target.span);
    } else if (kind === 'reg' && !t.registers.includes(s.target.text)) {
      t.registers.push(s.target.text);
      t.registerSpans.push(s.target.span);
    }
  }

  /** References, registers and forked mms named by a step. */
  private stepNames(s: ShapedStep, t: ModelThread, tIdx: number): void {
    for (const slot of s.slots) {
      if (slot.kind !== 'ref') continue;
      if (!t.refs.includes(slot.name.text)) {
        const hint = suggest(slot.name.text, t.refs);
        this.out.push(
          err(
            slot.name.span,
            `reference '${slot.name.text}' is never taken before this step in thread '${t.name}'${hint ? `; did you mean '${hint}'?` : '.'} Take it with 'gup ADDR -> ${slot.name.text}'`,
            'unknown-name',
          ),
        );
      }
    }
    if (!s.target || !s.op.target) return;
    const name = s.target;
    switch (s.op.target.kind) {
      case 'ref':
        if (!t.refs.includes(name.text)) {
          t.refs.push(name.text);
          t.refSpans.push(name.span);
        }
        return;
      case 'reg':
        if (!t.registers.includes(name.text)) {
          t.registers.push(name.text);
          t.registerSpans.push(name.span);
        }
        return;
      case 'mm': {
        const prev = this.model.mms.find((m) => m.name === name.text);
        if (prev) {
          this.out.push(err(name.span, prev.forkedBy ? `mm '${name.text}' is already created by another fork` : `mm '${name.text}' is already declared: a fork creates a new mm`, 'duplicate'));
          return;
        }
        this.model.mms.push({ name: name.text, span: name.span, forkedBy: { thread: tIdx, step: t.steps.length }, vmas: [], ptes: [] });
        return;
      }
    }
  }

  private checkThreadMms(): void {
    for (const t of this.model.threads) {
      if (!t.mmName) continue;
      const i = this.mmIndex(t.mmName.text);
      if (i === undefined) {
        const known = this.model.mms.map((m) => m.name);
        const hint = suggest(t.mmName.text, known);
        this.out.push(
          err(
            t.mmName.span,
            `unknown mm '${t.mmName.text}'${hint ? `; did you mean '${hint}'?` : '.'} Known mms: ${known.join(', ')}. Declare it with 'mm ${t.mmName.text} { … }' or create it with 'fork -> ${t.mmName.text}'`,
            'unknown-name',
          ),
        );
        continue;
      }
      t.mm = i;
      const forker = this.model.mms[i]!.forkedBy;
      if (forker && this.model.threads[forker.thread] === t) {
        this.out.push(err(t.mmName.span, `thread '${t.name}' cannot run in the mm its own fork creates`, 'unknown-name'));
      }
    }
  }

  // ---- expectations, checks, limits -------------------------------------------------

  private expect(d: A.ExpectDecl): void {
    if (d.words.length === 0) return; // a bare `expect`: a syntax error, already reported
    const words = d.words.map((w) => w.text);
    const text = this.text.slice(d.span.start, d.span.end);
    const bad = (message: string, span: Span = d.span): void => {
      this.out.push(err(span, message, 'expect'));
    };
    const form = 'expect race KIND | no race [KIND] | violation CODE | no violation [CODE] | deadlock | no deadlock | clean';
    const [w0, w1, w2, ...rest] = words;
    const extra = rest.length > 0 ? d.words[3] : undefined;
    if (extra) return bad(`unexpected '${extra.text}': ${form}`, extra.span);
    const push = (kind: ExpectKind, code?: string): void => {
      this.model.expectations.push({ kind, code, text, span: d.span });
    };
    const codeOf = (w: A.Name | undefined, kind: 'race' | 'violation'): string | undefined | null => {
      if (!w) return undefined;
      const valid: readonly string[] = kind === 'race' ? RACE_KINDS : VIOLATION_CODES;
      if (valid.includes(w.text)) return w.text;
      const hint = suggest(w.text, valid);
      bad(`unknown ${kind === 'race' ? 'race kind' : 'violation code'} '${w.text}'${hint ? `; did you mean '${hint}'?` : '.'} Valid: ${valid.join(', ')}`, w.span);
      return null;
    };
    if (w0 === 'no') {
      if (w1 === 'race' || w1 === 'violation') {
        const c = codeOf(d.words[2], w1);
        if (c === null) return;
        return push(w1 === 'race' ? 'no-race' : 'no-violation', c);
      }
      if (w1 === 'deadlock' && !w2) return push('no-deadlock');
      return bad(`expected 'race', 'violation' or 'deadlock' after 'no': ${form}`, d.words[1]?.span ?? d.span);
    }
    if (w0 === 'race' || w0 === 'violation') {
      if (!d.words[1]) return bad(`'expect ${w0}' needs a ${w0 === 'race' ? 'race kind' : 'violation code'}: ${form}`);
      if (w2) return bad(`unexpected '${w2}': ${form}`, d.words[2]!.span);
      const c = codeOf(d.words[1], w0);
      if (c === null || c === undefined) return;
      return push(w0, c);
    }
    if ((w0 === 'deadlock' || w0 === 'clean') && !w1) return push(w0);
    const hint = w0 ? suggest(w0, ['race', 'violation', 'deadlock', 'clean', 'no']) : undefined;
    bad(`unknown expectation${w0 ? ` '${words.join(' ')}'` : ''}${hint ? `; did you mean '${hint}'?` : ''}: ${form}`, d.words[0]?.span ?? d.span);
  }

  private check(d: A.CheckDecl): void {
    if (!d.cond) return;
    const before = this.out.length;
    const cond = this.cond(d.cond);
    if (cond && this.out.length === before) this.model.checks.push({ cond, text: this.text.slice(d.cond.span.start, d.cond.span.end), span: d.span });
  }

  private cond(c: A.CondNode): CondSpec | undefined {
    if (c.kind === 'cmp') {
      const left = this.operand(c.left, 'left');
      const right = this.operand(c.right, 'right');
      return left && right ? { kind: 'cmp', op: c.op, left, right } : undefined;
    }
    const left = this.cond(c.left);
    const right = this.cond(c.right);
    return left && right ? { kind: c.kind, left, right } : undefined;
  }

  private operand(o: A.OperandNode, side: 'left' | 'right'): OperandSpec | undefined {
    switch (o.kind) {
      case 'int': {
        if (side === 'right') return o.lit.value === undefined ? undefined : { kind: 'int', value: o.lit.value };
        const addr = checkAddress(o.lit, this.out, 'address', ' (a number on the left of a comparison is an address in mm main: write main:ADDR, or put the integer on the right)');
        return addr === undefined ? undefined : { kind: 'mem', mm: 0, addr };
      }
      case 'mem': {
        const mm = this.mmIndex(o.mm.text);
        if (mm === undefined) {
          const known = this.model.mms.map((m) => m.name);
          const hint = suggest(o.mm.text, known);
          this.out.push(err(o.mm.span, `unknown mm '${o.mm.text}'${hint ? `; did you mean '${hint}'?` : '.'} Known mms: ${known.join(', ')}`, 'unknown-name'));
          return undefined;
        }
        const addr = checkAddress(o.addr, this.out);
        return addr === undefined ? undefined : { kind: 'mem', mm, addr };
      }
      case 'reg': {
        const t = this.model.threads.findIndex((x) => x.name === o.thread.text);
        if (t < 0) {
          const known = this.model.threads.map((x) => x.name);
          const hint = suggest(o.thread.text, known);
          this.out.push(err(o.thread.span, `unknown thread '${o.thread.text}'${hint ? `; did you mean '${hint}'?` : '.'} Threads: ${known.length ? known.join(', ') : 'none'}`, 'unknown-name'));
          return undefined;
        }
        const thread = this.model.threads[t]!;
        const reg = thread.registers.indexOf(o.reg.text);
        if (reg < 0) {
          this.out.push(
            err(
              o.reg.span,
              `thread '${thread.name}' has no register '${o.reg.text}'${thread.registers.length ? ` (it has ${thread.registers.join(', ')})` : ''}: registers are named by 'load ADDR -> REG' or 'kread REF -> REG'`,
              'unknown-name',
            ),
          );
          return undefined;
        }
        return { kind: 'reg', thread: t, reg };
      }
    }
  }

  private limit(d: A.LimitDecl): void {
    if (!d.what || !d.value) return;
    const what = d.what.text;
    if (what !== 'states' && what !== 'ms') {
      this.out.push(err(d.what.span, `unknown limit '${what}': limit states N | limit ms N`, 'option'));
      return;
    }
    if (!this.once(`limit ${what}`, d.span, `'limit ${what}'`)) return;
    const v = d.value.value;
    if (v === undefined) return;
    if (v < 1) {
      this.out.push(err(d.value.span, `limit ${what} must be at least 1`, 'option'));
      return;
    }
    this.model.limits[what] = v;
  }
}
