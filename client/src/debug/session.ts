// The scenario debugger's core: a Debug Adapter Protocol session over one finding's
// interleaving, as the language server replayed it (vmscen/trace: every micro-step with the
// machine after it). Threads are the scenario's threads; a thread's top frame is its next
// micro-step in the interleaving (at the op's line, named by the micro-step and its kernel
// function); Step Over runs one micro-step, Step Back and Reverse Continue go back, a
// breakpoint on an op's line stops before that op's micro-steps run, and the variables are the
// machine with what changed since the last stop. Plain class, no `vscode`: the extension wraps
// it in a DebugAdapterInlineImplementation and the tests speak DAP to it in node.
import { baseName, fileUriToPath, normalizePath, pathToFileUri } from './paths';
import type { TraceParams, TraceView } from '../../../server/src/protocol';
import { CAPABILITIES, type DapBreakpoint, type DapMessage, type DapRequest, type DapScope, type DapSource, type DapStackFrame, type DapVariable } from './dap';
import { changeNodes, machineNodes, threadNodes, type MachineSnapshot, type VarNode } from './machine-variables';

/** Where the interleaving comes from: the language server's replay. */
export interface ReplaySource {
  trace(params: TraceParams): Promise<TraceView | { readonly error: string }>;
}

/** The `launch` configuration of a `vmscen` debug session. */
export interface LaunchArgs {
  /** The .vmscen file (a path, or a URI). */
  readonly file: string;
  /** The document's URI as the editor spells it (the extension fills it in; derived from `file` otherwise). */
  readonly uri?: string;
  readonly scenario: string;
  /** Index among the scenario's findings, races first (default 0). */
  readonly finding?: number;
  readonly design?: TraceParams['design'];
  /** Stop before the first micro-step (default true); otherwise run to the first breakpoint. */
  readonly stopOnEntry?: boolean;
}

type Reason = 'entry' | 'step' | 'breakpoint' | 'exception' | 'pause';

class RequestError extends Error {}

function parseLaunch(a: unknown): LaunchArgs {
  const o = (a ?? {}) as Record<string, unknown>;
  if (typeof o.file !== 'string' || o.file === '') throw new RequestError("the launch configuration needs 'file': the .vmscen file");
  if (typeof o.scenario !== 'string' || o.scenario === '') throw new RequestError("the launch configuration needs 'scenario': the scenario's name");
  if (o.finding !== undefined && !(Number.isInteger(o.finding) && (o.finding as number) >= 0)) throw new RequestError("'finding' is an index from 0");
  return o as unknown as LaunchArgs;
}

/** The document's URI and file path from a launch configuration. */
function locate(args: LaunchArgs): { uri: string; path: string } {
  const isUri = /^[a-zA-Z][\w+.-]+:\/\//.test(args.file);
  const p = isUri ? (args.file.startsWith('file:') ? fileUriToPath(args.file) : args.file) : normalizePath(args.file);
  return { uri: args.uri ?? (isUri ? args.file : pathToFileUri(p)), path: p };
}

export class ScenarioDebugSession {
  private seq = 1;
  private view: TraceView | undefined;
  private source: DapSource | undefined;
  /** How many micro-steps of the interleaving have run. */
  private pos = 0;
  private lastStop = 0;
  private changedSince = 0;
  private readonly breakpoints = new Map<string, DapBreakpoint[]>();
  private nextBreakpointId = 1;
  /** The variable references of the current stop (DAP: valid until the next resume). */
  private readonly refs = new Map<number, () => readonly VarNode[]>();
  private nextRef = 1;
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((r) => (this.configured = r));

  constructor(
    private readonly replay: ReplaySource,
    private readonly send: (m: DapMessage) => void,
  ) {}

  handleMessage(m: DapMessage): void {
    if (m.type !== 'request') return;
    // what to do once this request is answered (the stop that follows a step), set by its handler
    let after: (() => void) | undefined;
    this.dispatch(m, (f) => (after = f)).then(
      (body) => {
        this.respond(m, true, body);
        try {
          after?.();
        } catch (e) {
          this.event('output', { category: 'stderr', output: `vmscen debugger: ${(e as Error).message}\n` });
        }
      },
      (e: unknown) => this.respond(m, false, undefined, e instanceof Error ? e.message : String(e)),
    );
  }

  private respond(r: DapRequest, success: boolean, body?: unknown, message?: string): void {
    this.send({ seq: this.seq++, type: 'response', request_seq: r.seq, command: r.command, success, ...(message !== undefined ? { message } : {}), ...(body !== undefined ? { body } : {}) });
  }

  private event(event: string, body?: unknown): void {
    this.send({ seq: this.seq++, type: 'event', event, ...(body !== undefined ? { body } : {}) });
  }

  private async dispatch(r: DapRequest, later: (f: () => void) => void): Promise<unknown> {
    const a = (r.arguments ?? {}) as Record<string, unknown>;
    switch (r.command) {
      case 'initialize':
        later(() => this.event('initialized'));
        return CAPABILITIES;
      case 'launch':
        return this.launch(parseLaunch(r.arguments), later);
      case 'setBreakpoints':
        return { breakpoints: this.setBreakpoints(a) };
      case 'configurationDone':
        this.configured();
        return undefined;
      case 'threads':
        return { threads: (this.view?.threads ?? []).map((t, i) => ({ id: i + 1, name: `${t.name} (cpu${t.cpu})` })) };
      case 'stackTrace': {
        const frames = this.view ? [this.frame(this.threadIndex(a.threadId))] : [];
        return { stackFrames: frames, totalFrames: frames.length };
      }
      case 'scopes':
        return { scopes: this.scopes(this.threadIndex(a.frameId)) };
      case 'variables':
        return { variables: this.variables(Number(a.variablesReference)) };
      case 'next':
      case 'stepIn':
      case 'stepOut':
        return this.move(later, () => Math.min(this.pos + 1, this.steps().length), 'step');
      case 'stepBack':
        return this.move(later, () => Math.max(this.pos - 1, 0), 'step');
      case 'continue':
        return { allThreadsContinued: true, ...this.move(later, () => this.nextHit(this.pos + 1, 1) ?? this.steps().length, 'breakpoint') };
      case 'reverseContinue':
        return this.move(later, () => this.nextHit(this.pos - 1, -1) ?? 0, 'breakpoint');
      case 'pause':
        later(() => this.stop('pause'));
        return undefined;
      case 'exceptionInfo': {
        const f = this.loaded().finding;
        return { exceptionId: f.code, description: `${f.type} ${f.code}: ${f.message}`, breakMode: 'always' };
      }
      case 'evaluate':
        return this.evaluate(String(a.expression ?? ''));
      case 'disconnect':
      case 'terminate':
        later(() => this.event('terminated'));
        return undefined;
      default:
        throw new RequestError(`'${r.command}' is not supported by the vmscen debugger`);
    }
  }

  private loaded(): TraceView {
    if (!this.view) throw new RequestError('no interleaving is loaded (launch first)');
    return this.view;
  }

  private steps(): TraceView['steps'] {
    return this.loaded().steps;
  }

  private threadIndex(id: unknown): number {
    const t = Number(id) - 1;
    if (!Number.isInteger(t) || t < 0 || t >= this.loaded().threads.length) throw new RequestError(`no thread ${String(id)}`);
    return t;
  }

  private machineAt(pos: number): MachineSnapshot {
    const v = this.loaded();
    return pos === 0 ? v.initial : v.steps[pos - 1]!.machine;
  }

  private async launch(args: LaunchArgs, later: (f: () => void) => void): Promise<unknown> {
    const where = locate(args);
    const answer = await this.replay.trace({ uri: where.uri, scenario: args.scenario, ...(args.finding !== undefined ? { finding: args.finding } : {}), ...(args.design ? { design: args.design } : {}) });
    if ('error' in answer) throw new RequestError(`vmscen: ${answer.error}`);
    await this.configurationDone;
    this.view = answer;
    this.source = { name: baseName(where.path), path: where.path };
    this.reverifyBreakpoints();
    const f = answer.finding;
    later(() => {
      this.event('output', { category: 'console', output: `${args.scenario} (${answer.design}): ${f.type} ${f.code} at line ${f.line}: ${f.message}\n${answer.steps.length} micro-steps; Step Over runs the next one, Step Back undoes one.\n` });
      if (args.stopOnEntry === false) this.pos = this.nextHit(0, 1) ?? answer.steps.length;
      this.stop(this.pos === answer.steps.length ? 'exception' : this.pos > 0 ? 'breakpoint' : 'entry');
    });
    return undefined;
  }

  /** After the response, move to a new position (computed then, so quick steps add up) and stop there. */
  private move(later: (f: () => void) => void, to: () => number, reason: Reason): Record<string, never> {
    const end = this.steps().length;
    later(() => {
      const target = to();
      this.pos = target;
      this.stop(target === end ? 'exception' : reason === 'breakpoint' && this.hitsAt(target).length === 0 ? (target === 0 ? 'entry' : 'step') : reason);
    });
    return {};
  }

  private stop(reason: Reason): void {
    this.changedSince = this.lastStop;
    this.lastStop = this.pos;
    this.refs.clear();
    const steps = this.steps();
    const thread = this.pos < steps.length ? steps[this.pos]!.thread : (steps[steps.length - 1]?.thread ?? 0);
    const f = this.loaded().finding;
    const hits = this.hitsAt(this.pos);
    this.event('stopped', {
      reason,
      threadId: thread + 1,
      allThreadsStopped: true,
      description: reason === 'exception' ? `${f.type} ${f.code}` : `micro-step ${this.pos} of ${steps.length}`,
      ...(reason === 'exception' ? { text: f.message } : {}),
      ...(reason === 'breakpoint' && hits.length ? { hitBreakpointIds: hits } : {}),
    });
  }

  /** The thread's next micro-step in the interleaving; or, when it has none, where it stopped. */
  private frame(t: number): DapStackFrame {
    const v = this.loaded();
    const source = this.source!;
    for (let j = this.pos; j < v.steps.length; j++) {
      const s = v.steps[j]!;
      if (s.thread === t) return { id: t + 1, name: `${s.text} — ${s.kernel}`, source, line: s.line, column: s.col };
    }
    let last: TraceView['steps'][number] | undefined;
    for (let j = 0; j < this.pos; j++) if (v.steps[j]!.thread === t) last = v.steps[j];
    const row = threadNodes(this.machineAt(this.pos), v.threads[t]!.name);
    const state = row.find((n) => n.name === 'state')?.value ?? 'done';
    const name = last ? `after ${last.text} — ${last.kernel} (${state}; no further micro-step in this interleaving)` : `(${state}; no micro-step in this interleaving)`;
    return { id: t + 1, name, source, line: last?.line ?? v.finding.line, column: last?.col ?? 1, presentationHint: last ? 'normal' : 'subtle' };
  }

  private ref(children: (() => readonly VarNode[]) | undefined): number {
    if (!children) return 0;
    const id = this.nextRef++;
    this.refs.set(id, children);
    return id;
  }

  private scopes(t: number): DapScope[] {
    const v = this.loaded();
    const now = this.machineAt(this.pos);
    const before = this.machineAt(this.changedSince);
    const steps = v.steps;
    const info: VarNode[] = [
      { name: 'position', value: `${this.pos} of ${steps.length} micro-steps` },
      { name: 'last micro-step', value: this.pos > 0 ? `${v.threads[steps[this.pos - 1]!.thread]!.name}: ${steps[this.pos - 1]!.text} — ${steps[this.pos - 1]!.kernel}` : '-' },
      { name: 'finding', value: `${v.finding.type} ${v.finding.code} (line ${v.finding.line}): ${v.finding.message}` },
      { name: 'design', value: v.design },
    ];
    return [
      { name: 'Changed since the last stop', variablesReference: this.ref(() => changeNodes(before, now)), expensive: false },
      { name: 'Machine', variablesReference: this.ref(() => machineNodes(now, v.threads)), expensive: false },
      { name: `Thread ${v.threads[t]!.name}`, variablesReference: this.ref(() => threadNodes(now, v.threads[t]!.name)), expensive: false, presentationHint: 'locals' },
      { name: 'Interleaving', variablesReference: this.ref(() => info), expensive: false },
    ];
  }

  private variables(ref: number): DapVariable[] {
    const children = this.refs.get(ref);
    if (!children) throw new RequestError(`no variables ${ref} at this stop`);
    return children().map((n) => ({ name: n.name, value: n.value, variablesReference: this.ref(n.children) }));
  }

  /** A section or row of the machine by name (the debug console), e.g. `PTEs` or `Frames`. */
  private evaluate(expression: string): unknown {
    const want = expression.trim().toLowerCase();
    const nodes = machineNodes(this.machineAt(this.pos), this.loaded().threads);
    const hit = nodes.find((n) => n.name.toLowerCase() === want) ?? nodes.flatMap((n) => n.children?.() ?? []).find((n) => n.name.toLowerCase() === want);
    if (!hit) throw new RequestError(`'${expression}' is not a section (${nodes.map((n) => n.name).join(', ')}) or a row of one`);
    return { result: hit.value, variablesReference: this.ref(hit.children) };
  }

  // ---- breakpoints ------------------------------------------------------------------------

  private setBreakpoints(a: Record<string, unknown>): DapBreakpoint[] {
    const src = (a.source ?? {}) as { path?: unknown };
    const p = typeof src.path === 'string' ? src.path : '';
    const lines = ((a.breakpoints as { line?: unknown }[] | undefined) ?? []).map((b) => Number(b.line)).filter((l) => Number.isInteger(l) && l > 0);
    const bps = lines.map((line) => this.verify({ id: this.nextBreakpointId++, verified: false, line, source: { name: baseName(p), path: p } }));
    this.breakpoints.set(p, bps);
    return bps;
  }

  /** A breakpoint holds when some micro-step of the interleaving runs at its line of the debugged file (pending until the interleaving is loaded). */
  private verify(bp: DapBreakpoint): DapBreakpoint {
    const { message: _old, ...base } = bp;
    if (!this.view || !this.source) return { ...base, verified: true };
    if (normalizePath(bp.source?.path ?? '') !== normalizePath(this.source.path)) return { ...base, verified: false, message: 'not the file being debugged' };
    if (!this.view.steps.some((s) => s.line === bp.line)) return { ...base, verified: false, message: 'no micro-step of this interleaving runs at this line' };
    return { ...base, verified: true };
  }

  private reverifyBreakpoints(): void {
    for (const [p, bps] of this.breakpoints) {
      const now = bps.map((b) => this.verify(b));
      this.breakpoints.set(p, now);
      now.forEach((b, i) => {
        if (b.verified !== bps[i]!.verified) this.event('breakpoint', { reason: 'changed', breakpoint: b });
      });
    }
  }

  /** The ids of the verified breakpoints at the line of the micro-step at `pos` (none at the end). */
  private hitsAt(pos: number): number[] {
    const s = this.loaded().steps[pos];
    if (!s || !this.source) return [];
    const bps = this.breakpoints.get(this.source.path) ?? [...this.breakpoints.entries()].find(([p]) => normalizePath(p) === normalizePath(this.source!.path))?.[1] ?? [];
    return bps.filter((b) => b.verified && b.line === s.line).map((b) => b.id);
  }

  /** The first position from `from` in direction `dir` whose micro-step is at a breakpoint. */
  private nextHit(from: number, dir: 1 | -1): number | undefined {
    const n = this.steps().length;
    for (let j = from; j >= 0 && j < n; j += dir) if (this.hitsAt(j).length) return j;
    return undefined;
  }
}
