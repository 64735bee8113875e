// Every finding code of SPEC §7 has a scenario that must report it and a near-identical twin
// that must not (one option, one step or one line apart). Two violations cannot be reached by
// any op of the language, because every op takes the PTL for its PTE writes and frees pages
// only after the flush; their detectors are tested on a state where the lock or the flush is
// removed by hand, next to the same run with them in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyze } from '../../server/src/analysis/analyze';
import type { FindingEvent } from '../../server/src/engine/events';
import { Exec } from '../../server/src/engine/exec';
import { RACES, VIOLATIONS } from '../../server/src/engine/findings';
import * as L from '../../server/src/engine/layout';
import { specOf } from '../helpers';

/** The finding codes of one scenario (the file may hold several; `name` picks one). */
function codes(text: string, name?: string): string[] {
  const fa = analyze(text, name ? { only: [name] } : {});
  assert.equal(fa.errors.filter((e) => e.severity === 'error').length, 0, JSON.stringify(fa.errors));
  const sc = fa.scenarios[0]!;
  assert.ok(sc.complete, 'explored completely');
  return [...new Set([...sc.races, ...sc.violations].map((f) => f.code))];
}

const example = (file: string): string => fs.readFileSync(`examples/${file}.vmscen`, 'utf8');

function scenario(lines: string): string {
  return `scenario s {\n${lines}\n}\n`;
}

const SEED = (wp: string, extra = ''): string =>
  scenario(`reuse refcount
vma 0x1000..0x3000 rw anon private uffd
frame A = 1 refs=1
map 0x1000 -> A rw
tlb cpu2 0x1000 -> A rw
thread wp on cpu0 { ${wp} }
thread faulter on cpu1 { fault write 0x1000 }
thread writer on cpu2 { store 0x1000 = 2 }
${extra}`);

interface Pair {
  readonly code: string;
  readonly bad: () => string[];
  readonly good: () => string[];
}

const PAIRS: Pair[] = [
  {
    code: 'vma-needs-mmap-write',
    bad: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { mprotect 0x1000 r lock=read }')),
    good: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { mprotect 0x1000 r lock=write }')),
  },
  {
    code: 'walk-needs-mmap',
    bad: () => codes(example('range-locks'), 'fault_outside_the_held_range'),
    good: () => codes(example('range-locks').replace('lock range 0x1000..0x3000 read\n    fault write 0x400000', 'lock range 0x1000..0x3000 read\n    fault write 0x2000')),
  },
  {
    code: 'downgrade-needs-flush',
    bad: () => codes(SEED('wrprotect 0x1000 lock=read marker=none')),
    good: () => codes(SEED('wrprotect 0x1000 lock=write marker=none')),
  },
  {
    code: 'lock-order',
    bad: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { lock ptl 0x1000; lock mmap read; unlock mmap; unlock ptl 0x1000 }')),
    good: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { lock mmap read; lock ptl 0x1000; unlock ptl 0x1000; unlock mmap }')),
  },
  {
    code: 'sleep-in-atomic',
    bad: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { irq off; lock mmap read; unlock mmap; irq on }')),
    good: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { lock mmap read; unlock mmap; irq off; irq on }')),
  },
  {
    code: 'unlock-not-held',
    bad: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { unlock mmap }')),
    good: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { lock mmap read; unlock mmap }')),
  },
  {
    code: 'lock-held-at-exit',
    bad: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { lock mmap read }')),
    good: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { lock mmap read; unlock mmap }')),
  },
  {
    code: 'recursive-lock',
    bad: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { lock mmap read; lock mmap read; unlock mmap; unlock mmap }')),
    good: () => codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { lock mmap read; unlock mmap; lock mmap read; unlock mmap }')),
  },
  {
    code: 'use-after-put',
    bad: () => codes(example('use-after-put'), 'write_after_put'),
    good: () => codes(example('use-after-put'), 'write_then_put'),
  },
  {
    code: 'lost-write',
    bad: () => codes(SEED('wrprotect 0x1000 lock=read marker=none')),
    good: () => codes(SEED('wrprotect 0x1000 lock=read flush=ptl marker=none')),
  },
  {
    code: 'stale-tlb-write',
    bad: () => codes(example('clear-refs-soft-dirty'), 'clear_refs_no_flush'),
    good: () => codes(example('clear-refs-soft-dirty').replace(/flush=none/g, 'flush=deferred'), 'clear_refs_no_flush'),
  },
  {
    code: 'cow-isolation',
    bad: () => codes(example('cve-2020-29374'), 'gup_after_fork_mapcount_rule'),
    good: () => codes(example('cve-2020-29374'), 'gup_after_fork_refcount_rule'),
  },
  {
    code: 'use-after-free',
    bad: () => codes(example('gup-fast-vs-munmap'), 'gup_fast_vs_munmap_arm64_no_rcu'),
    good: () => codes(example('gup-fast-vs-munmap'), 'gup_fast_vs_munmap_arm64_rcu'),
  },
  {
    code: 'gup-incoherent',
    bad: () => codes(example('pin-then-fork'), 'pin_then_fork_share'),
    good: () => codes(example('pin-then-fork'), 'pin_then_fork_copy'),
  },
  {
    code: 'write-to-readonly',
    bad: () => codes(example('dirty-cow'), 'dirty_cow'),
    good: () => codes(example('dirty-cow'), 'dirty_cow_fixed'),
  },
  {
    code: 'deadlock',
    bad: () => codes(example('deadlocks'), 'recursive_mmap_read_lock'),
    good: () => codes(example('deadlocks').replace('lock mmap write\n    unlock mmap', 'lock ptl 0x1000\n    unlock ptl 0x1000'), 'recursive_mmap_read_lock'),
  },
  {
    code: 'check-failed',
    bad: () => codes(SEED('wrprotect 0x1000 lock=read marker=none', 'check final 0x1000 == 2')),
    good: () => codes(SEED('wrprotect 0x1000 lock=write marker=none', 'check final 0x1000 == 2')),
  },
];

for (const p of PAIRS) {
  test(`${p.code}: reported by its scenario, not by the near-identical twin`, () => {
    assert.ok(p.bad().includes(p.code), `the scenario reports ${p.code}`);
    assert.ok(!p.good().includes(p.code), `the twin does not report ${p.code}`);
  });
}

/** Run a scenario's threads in order, collecting findings, with a hook before each micro-step. */
function drive(text: string, before: (exec: Exec, s: Int32Array, kind: string) => void): FindingEvent[] {
  const exec = new Exec(specOf(text), { reduce: false });
  const events: FindingEvent[] = [];
  exec.setSink((e) => events.push(e));
  const s = exec.initial();
  for (let guard = 0; guard < 200; guard++) {
    const t = exec.spec.threads.findIndex((_, i) => exec.enabled(s, i));
    if (t < 0) break;
    before(exec, s, exec.instr(s, t)!.kind);
    exec.step(s, t);
  }
  return events;
}

test('pte-needs-ptl (detector): a PTE written without its page-table lock; the same write under it is fine', () => {
  const text = scenario('vma 0x1000..0x3000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\nthread t { wrprotect 0x1000 lock=write marker=none }');
  const dropPtl = (exec: Exec, s: Int32Array, kind: string): void => {
    if (kind !== 'change-ptes') return;
    s[exec.m.pt(0, 0, L.PT_PTL)] = 0; // as if the walk had not taken pte_offset_map_lock()
    s[exec.m.th(0, L.T_PTLS)] = 0;
  };
  assert.deepEqual(drive(text, dropPtl).map((e) => e.code), ['pte-needs-ptl']);
  assert.deepEqual(drive(text, () => undefined).map((e) => e.code), []);
});

test('free-before-flush (detector): the last reference dropped while a TLB still maps the frame; dropped after the flush it is fine', () => {
  const text = scenario('vma 0x1000..0x3000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\ntlb cpu1 0x1000 -> A rw\nthread t on cpu0 { gup 0x1000 -> r; put r }');
  const zap = (flush: boolean) => (exec: Exec, s: Int32Array, kind: string): void => {
    if (kind !== 'put') return;
    // a zap that cleared the PTE and dropped the mapping's reference, with or without the flush
    s[exec.m.pte(0, 0)] = 0;
    s[exec.m.fr(0, L.F_REFS)]!--;
    if (flush) for (let k = 0; k < exec.L.off.tlbEntrySize; k++) s[exec.m.tlb(1, 0) + k] = 0;
  };
  assert.deepEqual(drive(text, zap(false)).map((e) => e.code), ['free-before-flush']);
  assert.deepEqual(drive(text, zap(true)).map((e) => e.code), []);
});

test('every violation code and race kind of SPEC §7 has a pair above', () => {
  const covered = new Set([...PAIRS.map((p) => p.code), 'pte-needs-ptl', 'free-before-flush']);
  for (const f of [...VIOLATIONS, ...RACES]) assert.ok(covered.has(f.code), `${f.code} has a scenario pair`);
});
