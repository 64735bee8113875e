// The `numa` and `migrate` ops (issue 10; docs/kernel-paths.md §13, §14): their micro-steps in
// the kernel's order for each option, the fault paths they create (do_numa_page, the wait on a
// migration entry) under every design, and a must/must-not pair per rule: pte_accessible()'s
// pending rule (20841405940e), the prot-none marker that diverts faults (no
// downgrade-needs-flush), the failed move that maps the old page back, and the safe
// look-alike (NUMA hinting and a write fault, no migration).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exec } from '../../server/src/engine/exec';
import * as L from '../../server/src/engine/layout';
import { DESIGNS as DESIGN_SPECS } from '../../server/src/engine/settings';

const DESIGNS = DESIGN_SPECS.map((d) => d.value);
import { checkFile } from '../../server/src/analysis/check-file';
import { findingCodes, microSteps, scenario, specOf } from '../helpers';

const ANON = `vma 0x1000..0x3000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\n`;

const TABLE: { name: string; body: string; kinds: string[] }[] = [
  {
    name: 'numa: mmap_read_lock, tlb_gather_mmu (pending), PTEs prot-none under the PTL, tlb_finish_mmu flush and unlock',
    body: `${ANON}thread t { numa 0x1000 }`,
    kinds: ['mmap-lock', 'numa-begin', 'ptl-lock', 'change-ptes', 'change-end'],
  },
  {
    name: 'numa over a range with no VMA: nothing to scan',
    body: `${ANON}thread t { numa 0x5000 }`,
    kinds: ['mmap-lock', 'numa-begin', 'change-end'],
  },
  {
    name: 'a store after the scan faults into do_numa_page, which restores the PTE (writable: exclusive anonymous page)',
    body: `${ANON}thread t { numa 0x1000 }\nthread w { store 0x1000 = 2 }`,
    kinds: ['mmap-lock', 'numa-begin', 'ptl-lock', 'change-ptes', 'change-end', 'user-store', 'fault-enter', 'pte-read', 'ptl-lock', 'numa-page', 'fault-exit', 'user-store'],
  },
  {
    name: 'numa migrate=on: do_numa_page isolates the page and migrates it; the retried store faults again on the read-only new PTE and reuses it',
    body: `${ANON}thread t { numa 0x1000 migrate=on }\nthread w { store 0x1000 = 2 }`,
    kinds: [
      ...['mmap-lock', 'numa-begin', 'ptl-lock', 'change-ptes', 'change-end'],
      ...['user-store', 'fault-enter', 'pte-read', 'ptl-lock', 'numa-page', 'migrate-ptl', 'migrate-unmap', 'migrate-copy', 'migrate-remap', 'migrate-end', 'fault-exit'],
      ...['user-store', 'fault-enter', 'pte-read', 'ptl-lock', 'handle-pte', 'fault-exit', 'user-store'],
    ],
  },
  {
    name: 'migrate: isolate, try_to_migrate (per table of each mm: PTL, migration entries and flush, unlock), copy, remove_migration_ptes (per table), unlock and free',
    body: `${ANON}thread t { migrate 0x1000 }`,
    kinds: ['migrate-isolate', 'migrate-ptl', 'migrate-unmap', 'migrate-copy', 'migrate-remap', 'migrate-end'],
  },
  {
    name: 'migrate pending=ignore: the same steps',
    body: `${ANON}thread t { migrate 0x1000 pending=ignore }`,
    kinds: ['migrate-isolate', 'migrate-ptl', 'migrate-unmap', 'migrate-copy', 'migrate-remap', 'migrate-end'],
  },
  {
    name: 'migrate FRAME: the same steps, the frame named',
    body: `${ANON}thread t { migrate A }`,
    kinds: ['migrate-isolate', 'migrate-ptl', 'migrate-unmap', 'migrate-copy', 'migrate-remap', 'migrate-end'],
  },
  {
    name: 'migrate of an address with no page: -EBUSY',
    body: `vma 0x1000..0x3000 rw anon private\nthread t { migrate 0x1000 }`,
    kinds: ['migrate-isolate', 'migrate-end'],
  },
];

for (const row of TABLE) {
  test(`numa/migrate expansion: ${row.name}`, () => {
    assert.deepEqual(microSteps(`scenario s {\n${row.body}\n}`), row.kinds);
  });
}

/** Run thread `t` until its next micro-step is of kind `until` (or it stops). */
function runUntil(exec: Exec, s: Int32Array, t: number, until: string): void {
  for (let guard = 0; guard < 100 && exec.enabled(s, t) && exec.instr(s, t)?.kind !== until; guard++) exec.step(s, t);
}

for (const design of DESIGNS) {
  test(`a fault on a migration entry waits for the migration to end (${design})`, () => {
    const spec = specOf(scenario(`locking ${design}\n${ANON}thread m { migrate 0x1000 }\nthread w { store 0x1000 = 2 }`));
    const exec = new Exec(spec);
    const s = exec.initial();
    runUntil(exec, s, 0, 'migrate-copy');
    const m = exec.cx.m;
    assert.notEqual(s[m.pte(0, m.pageIndex(0x1000))]! & L.PTE_MIGRATION, 0, 'a migration entry');
    const kinds: string[] = [];
    for (let guard = 0; guard < 20 && exec.enabled(s, 1); guard++) {
      kinds.push(exec.instr(s, 1)!.kind);
      exec.step(s, 1);
    }
    assert.equal(exec.instr(s, 1)!.kind, 'migration-wait', `the store waits: ${kinds.join(' ')}`);
    if (design === 'pervma') assert.ok(kinds.includes('vma-read-unlock'), 'the VMA-locked fault retries with mmap_lock (6.4 do_swap_page)');
    runUntil(exec, s, 0, '');
    assert.ok(exec.enabled(s, 1), 'woken once the new PTE is installed');
    runUntil(exec, s, 1, '');
    const pte = s[m.pte(0, m.pageIndex(0x1000))]!;
    assert.equal(pte & L.PTE_MIGRATION, 0);
    assert.equal(m.valueAt(s, 0, 0x1000), 2, 'the store lands in the new page');
  });
}

const RACE = (design: string, pending: string): string =>
  scenario(`locking ${design}\n${ANON}tlb cpu2 0x1000 -> A rw\nthread scan on cpu0 { numa 0x1000 }\nthread mig on cpu1 { migrate 0x1000 ${pending} }\nthread writer on cpu2 { store 0x1000 = 2 }`);

for (const design of DESIGNS) {
  test(`20841405940e: migration before the fix does not flush a prot-none PTE with a flush pending (${design})`, () => {
    assert.deepEqual(findingCodes(RACE(design, 'pending=ignore')), ['free-before-flush', 'lost-write', 'use-after-free']);
  });
  test(`20841405940e: pte_accessible() counts a prot-none PTE while a flush is pending: clean (${design})`, () => {
    assert.deepEqual(findingCodes(RACE(design, 'pending=check')), []);
  });
  test(`the same rule covers mprotect(PROT_NONE), whose flush is deferred too (20841405940e: "a similar race") (${design})`, () => {
    const text = (pending: string): string =>
      scenario(`locking ${design}\n${ANON}tlb cpu2 0x1000 -> A rw\nthread mp on cpu0 { mprotect 0x1000 none }\nthread mig on cpu1 { migrate 0x1000 ${pending} }\nthread writer on cpu2 { store 0x1000 = 2 }`);
    assert.deepEqual(findingCodes(text('pending=ignore')), ['free-before-flush', 'lost-write', 'use-after-free']);
    assert.deepEqual(findingCodes(text('pending=check')), []);
  });
  test(`migration before the fix still flushes a present PTE: clean without the NUMA scan (${design})`, () => {
    const text = scenario(`locking ${design}\n${ANON}tlb cpu2 0x1000 -> A rw\nthread mig on cpu1 { migrate 0x1000 pending=ignore }\nthread writer on cpu2 { store 0x1000 = 2 }\ncheck final 0x1000 == 2`);
    assert.deepEqual(findingCodes(text), []);
  });
  test(`safe look-alike: NUMA hinting and a write fault, no migration (${design})`, () => {
    const text = scenario(`locking ${design}\n${ANON}tlb cpu2 0x1000 -> A rw\nthread scan on cpu0 { numa 0x1000 }\nthread f on cpu1 { fault write 0x1000 }\nthread writer on cpu2 { store 0x1000 = 2 }\ncheck final 0x1000 == 2`);
    assert.deepEqual(findingCodes(text), []);
  });
  test(`the NUMA scan downgrades under mmap_lock read, but its prot-none marker diverts faults: no downgrade-needs-flush, unlike clear_refs (${design})`, () => {
    const numa = scenario(`locking ${design}\n${ANON}tlb cpu2 0x1000 -> A rw\nthread scan on cpu0 { numa 0x1000 }\nthread f on cpu1 { fault write 0x1000 }\nthread writer on cpu2 { store 0x1000 = 2 }`);
    assert.ok(!findingCodes(numa).includes('downgrade-needs-flush'));
    const clearRefs = scenario(`locking ${design}\n${ANON}tlb cpu2 0x1000 -> A rw\nthread scan on cpu0 { wrprotect 0x1000 marker=none }\nthread f on cpu1 { fault write 0x1000 }\nthread writer on cpu2 { store 0x1000 = 2 }`);
    assert.ok(findingCodes(clearRefs).includes('downgrade-needs-flush'));
  });
  test(`a pinned page cannot move: the migration maps the old page back (${design})`, () => {
    const text = scenario(`locking ${design}\n${ANON}thread g on cpu0 { gup 0x1000 write pin -> r; kwrite r = 7; put r }\nthread mig on cpu1 { migrate 0x1000 }\ncheck final 0x1000 == 7`);
    assert.deepEqual(findingCodes(text), []);
  });
  test(`a misplaced page migrated by the hinting fault (numa migrate=on) keeps every store (${design})`, () => {
    const text = scenario(`locking ${design}\n${ANON}tlb cpu2 0x1000 -> A rw\nthread scan on cpu0 { numa 0x1000 migrate=on }\nthread f on cpu1 { store 0x1000 = 3 }\nthread writer on cpu2 { store 0x1000 = 2 }\ncheck final 0x1000 == 2 || 0x1000 == 3`);
    assert.deepEqual(findingCodes(text), []);
  });
}

test('the scan skips the zero page and a page mapped by two mms (no prot-none PTE)', () => {
  const spec = specOf(
    scenario(`vma 0x1000..0x3000 rw anon private\nframe A = 1 shared\nmap 0x1000 -> A r\nthread r { load 0x2000 -> x }\nthread t { numa 0x1000..0x3000 }`),
  );
  const exec = new Exec(spec);
  const s = exec.initial();
  runUntil(exec, s, 0, '');
  runUntil(exec, s, 1, '');
  const m = exec.cx.m;
  assert.equal(s[m.pte(0, m.pageIndex(0x1000))]! & L.PTE_PROTNONE, 0, 'shared page skipped');
  assert.equal(s[m.pte(0, m.pageIndex(0x2000))]! & L.PTE_PROTNONE, 0, 'zero page skipped');
});

test('fork copies a migration entry to the child (copy_nonpresent_pte); the migration then maps the new page in both', () => {
  const spec = specOf(scenario(`${ANON}thread m { migrate 0x1000 }\nthread f { fork -> c }`));
  const exec = new Exec(spec);
  const s = exec.initial();
  runUntil(exec, s, 0, 'migrate-copy');
  runUntil(exec, s, 1, '');
  const m = exec.cx.m;
  const p = m.pageIndex(0x1000);
  const child = spec.mms.findIndex((mm) => mm.name === 'c');
  assert.notEqual(s[m.pte(child, p)]! & L.PTE_MIGRATION, 0, 'the child has the migration entry');
  assert.equal(s[m.pte(0, p)]! & L.PTE_W, 0, 'the parent entry is read-only now');
  runUntil(exec, s, 0, '');
  const fp = s[m.pte(0, p)]! & L.PTE_FRAME_MASK;
  assert.notEqual(fp, 0);
  assert.equal(s[m.pte(child, p)]! & L.PTE_FRAME_MASK, fp, 'both map the new page');
  assert.equal(s[m.fr(fp - 1, L.F_REFS)], 2, 'one reference per mapping');
  assert.equal(s[m.fr(fp - 1, L.F_FLAGS)]! & L.FR_EXCL, 0, 'not exclusive');
  assert.equal(m.valueAt(s, child, 0x1000), 1);
});

test('migrate FRAME walks the rmap of every mm mapping the frame: both map the new page', () => {
  const spec = specOf(scenario(`vma 0x1000..0x3000 rw anon private\nframe A = 1\nmap 0x1000 -> A r\nmm other {\n  vma 0x1000..0x3000 rw anon private\n  map 0x1000 -> A r\n}\nthread m { migrate A }`));
  const exec = new Exec(spec);
  const s = exec.initial();
  runUntil(exec, s, 0, '');
  const m = exec.cx.m;
  const p = m.pageIndex(0x1000);
  const f = s[m.pte(0, p)]! & L.PTE_FRAME_MASK;
  assert.notEqual(f, 1, 'main maps a new page');
  assert.equal(s[m.pte(1, p)]! & L.PTE_FRAME_MASK, f, 'other maps the same new page');
  assert.notEqual(s[m.fr(0, L.F_FLAGS)]! & L.FR_FREED, 0, 'A is freed');
  assert.equal(m.valueAt(s, 1, 0x1000), 1);
});

test('migrate FRAME names a declared frame; migrate takes one address, not a range', () => {
  const errs = (body: string): string[] =>
    checkFile(scenario(`vma 0x1000..0x3000 rw anon private\nframe A = 1\n${body}`))
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => d.message);
  assert.deepEqual(errs('thread t { migrate A }'), []);
  assert.match(errs('thread t { migrate B }').join('\n'), /unknown frame 'B'; did you mean 'A'\?/);
  assert.match(errs('thread t { migrate 0x1000..0x3000 }').join('\n'), /'migrate' takes a single page address here, not a range/);
  assert.match(errs('thread t { migrate 0x1000 pending=maybe }').join('\n'), /invalid value 'maybe' for pending: valid values are check, ignore/);
  assert.match(errs('thread t { numa 0x1000 migrate=yes }').join('\n'), /invalid value 'yes' for migrate: valid values are off, on/);
});

for (const design of DESIGNS) {
  test(`try_to_migrate_one() flushes with the PTL held: a CPU spinning on that PTL with IRQs off never answers the IPI (${design})`, () => {
    const text = (irq: boolean): string =>
      scenario(`locking ${design}\n${ANON}thread m on cpu0 { migrate 0x1000 }\nthread x on cpu1 { ${irq ? 'irq off; ' : ''}lock ptl 0x1000; unlock ptl 0x1000${irq ? '; irq on' : ''} }`);
    assert.deepEqual(findingCodes(text(true)), ['deadlock']);
    assert.deepEqual(findingCodes(text(false)), []);
  });
}

