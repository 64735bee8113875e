// The verified fix search on the gallery: for every example scenario with an `expect race`
// line, the fix the kernel shipped (from the example's comments and the option docs) is among
// the top three verified fixes; every scenario with no finding gets no suggestion. A new
// example with a race fails here until its shipped fix (or a justified exception) is added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyzeChecked } from '../../server/src/analysis/analyze';
import { checkFile } from '../../server/src/analysis/check-file';
import { searchFileFixes, type TriedCandidate } from '../../server/src/analysis/fix-search';
import { exampleFiles } from '../helpers';

/**
 * The shipped fix per scenario: alternatives, each a list of `op key=value` changes a verified
 * fix must all make (`setting key=value` for a scenario setting; a quick fix's title text counts too).
 */
const SHIPPED: Record<string, readonly (readonly string[])[]> = {
  // 912efa17e512 (flush before unlocking) and 29a951dfb3c3 (mmap_lock for write)
  clear_refs_no_flush: [['wrprotect flush=deferred'], ['wrprotect flush=ptl'], ['wrprotect lock=write']],
  clear_refs_by_hand_flush_after_unlock: [['wrprotect flush=deferred'], ['wrprotect flush=ptl'], ['wrprotect lock=write']],
  // 09854ba94c6a: any extra reference forces a copy
  gup_after_fork_mapcount_rule: [['setting reuse=refcount'], ['setting reuse=exclusive']],
  // 19be0eaffa3a
  dirty_cow: [['gup retry=keep-write']],
  // 5535be309971: the uffd-wp marker sends the forced write to the fault path
  force_write_no_marker: [['wrprotect marker=uffd']],
  // fb49c455323f (6.4.1): dup_mmap() write-locks every VMA; the SPF series bracketed it
  fork_without_vma_write_lock: [['fork vmalock=on']],
  fork_unbracketed_under_spf: [['fork vmalock=on']],
  // 57efa1fe5957: fork's write_protect_seq and GUP-fast's check of it, together
  gup_fast_vs_fork_no_seqcount: [['fork wpseq=on', 'gup seqcheck=on']],
  // MMU_GATHER_RCU_TABLE_FREE on arm64
  gup_fast_vs_munmap_arm64_no_rcu: [['setting rcu-table-free=on']],
  spf_vs_munmap_arm64_no_rcu: [['setting rcu-table-free=on']],
  // 99baac21e458
  madvise_dontneed_nested_no_flush: [['madvise nested=flush']],
  // eb66ae030829 (flush under the PTLs)
  mremap_deferred_flush_vs_truncate: [['mremap flush=ptl']],
  mremap_dirty_flush_reader: [['mremap flush=ptl']],
  mremap_deferred_flush_vs_truncate_pervma: [['mremap flush=ptl']],
  mremap_deferred_flush_vs_truncate_spf: [['mremap flush=ptl']],
  mremap_deferred_flush_vs_truncate_range: [['mremap flush=ptl']],
  // 20841405940e
  numa_vs_migration_buggy: [['migrate pending=check'], ['numa pending=check']],
  // 29a951dfb3c3: clear_refs took mmap_lock for write
  merged_fix_misses_clear_refs: [['wrprotect lock=write']],
  // 70e806e4e645
  pin_then_fork_share: [['fork pinned=copy']],
  // 3ea277194daa: flush_tlb_batched_pending()
  reclaim_batched_vs_mprotect: [['mprotect batched=check']],
  reclaim_batched_vs_mprotect_pervma: [['mprotect batched=check']],
  reclaim_batched_vs_mprotect_spf: [['mprotect batched=check']],
  reclaim_batched_vs_mprotect_range: [['mprotect batched=check']],
  reclaim_batched_vs_munmap: [['munmap batched=check']],
  reclaim_batched_vs_madvise: [['madvise batched=check']],
  // a7f226604170 (5.19): unshare before a R/O pin, with the PageAnonExclusive reuse rule
  ro_pin_before_unshare: [['setting reuse=exclusive']],
  // the seed race: 6ce64428d620 (pending=flush), or mmap_lock for write, or the flush under the PTL
  seed_under_spf: [['pending=flush, 6ce64428d620'], ['fault pending=flush'], ['wrprotect lock=write'], ['wrprotect flush=ptl']],
  seed_under_pervma: [['pending=flush, 6ce64428d620'], ['fault pending=flush'], ['wrprotect lock=write'], ['wrprotect flush=ptl']],
  seed_under_range_read: [['pending=flush, 6ce64428d620'], ['fault pending=flush'], ['wrprotect lock=write'], ['wrprotect flush=ptl']],
  uffd_wp_vs_cow: [['pending=flush, 6ce64428d620'], ['fault pending=flush'], ['wrprotect lock=write'], ['wrprotect flush=ptl']],
  uffd_wp_unprotect_vs_cow: [['pending=flush, 6ce64428d620'], ['fault pending=flush'], ['wrprotect lock=write'], ['wrprotect flush=ptl']],
  // 8d7071af8907 (stack growth under the write lock) and the downgrade check of 246c320a8cfe's line
  stack_read_munmap_downgrade: [['munmap downgrade=check'], ['fault stack=write']],
  gup_stack_read_munmap_downgrade: [['munmap downgrade=check'], ['gup stack=write']],
  pervma_stack_read_munmap_downgrade: [['munmap downgrade=check'], ['fault stack=write']],
  spf_stack_read_munmap_downgrade: [['munmap downgrade=check'], ['fault stack=write']],
  range_stack_read_munmap_downgrade: [['munmap downgrade=check'], ['fault stack=write']],
  // 49b0638502da: clear_refs write-locks the VMAs (PGWALK_WRLOCK); SPF brackets them
  clear_refs_under_spf: [['wrprotect vmalock=on']],
  clear_refs_under_pervma: [['wrprotect vmalock=on']],
  mprotect_unbracketed_under_spf: [['mprotect vmalock=on']],
};

/** Scenarios whose race has no shipped fix the search could find, and why. */
const EXCEPTIONS: Record<string, string> = {
  // the example documents intended behaviour: FOLL_GET is not unshared ("as the commit says")
  ro_get_not_unshared: 'no kernel fix: a7f226604170 deliberately leaves FOLL_GET references on the shared page',
  // the check shows private memory diverging after fork: the semantics, not a bug
  private_is_two_pages_after_fork: 'no bug: the `check final` demonstrates that private pages diverge after fork',
  // the bug is the order of the thread's own ops (kwrite after put): the fix moves a line,
  // which is not an option change, a setting or a lock section
  write_after_put: 'the fix reorders the caller (write before put), not an option of any op',
  // litmus shapes for the outcome table (examples/message-passing.vmscen): the failing check
  // asks for more than the program guarantees; there is no locking to fix
  message_passing_data_late: 'no bug: a litmus test whose `check final` is Sometimes by design',
  store_buffering: 'no bug: a litmus test whose third `check final` is Never by design',
};

function signature(t: TriedCandidate): string {
  const changes = t.candidate.changes.map((c) => `${c.op} ${c.key}=${c.to}`);
  return [t.candidate.title, ...changes].join(' | ');
}

function raceScenarios(text: string): Set<string> {
  const out = new Set<string>();
  let current = '';
  for (const line of text.split('\n')) {
    const head = /^scenario\s+(\S+)/.exec(line);
    if (head) current = head[1]!;
    if (/^\s*expect\s+race\b/.test(line)) out.add(current);
  }
  return out;
}

for (const path of exampleFiles()) {
  test(`fix search on ${path}: the shipped fix is in the top three; no suggestion without a finding`, () => {
    const text = fs.readFileSync(path, 'utf8');
    const file = checkFile(text);
    const fa = analyzeChecked(file);
    const results = searchFileFixes(file, fa.scenarios);
    const races = raceScenarios(text);
    for (const sc of fa.scenarios) {
      const res = results.find((r) => r.name === sc.name);
      if (sc.races.length + sc.violations.length === 0) {
        assert.equal(res, undefined, `${sc.name} has no finding, so no suggestion`);
        continue;
      }
      if (!races.has(sc.name)) continue;
      assert.ok(res, `${sc.name}: searched`);
      if (EXCEPTIONS[sc.name]) continue;
      const expected = SHIPPED[sc.name];
      assert.ok(expected, `${sc.name}: add its shipped fix (or a justified exception) to this test`);
      const race = res.findings.find((f) => f.finding.type === 'race' && sc.expectations.some((e) => e.text === `expect race ${f.finding.code}`));
      assert.ok(race, `${sc.name}: the expected race was searched`);
      const top = race.fixes.slice(0, 3).map(signature);
      const hit = top.some((s) => expected.some((alt) => alt.every((want) => s.includes(want))));
      assert.ok(hit, `${sc.name}: none of the top fixes is the shipped one\n  top: ${top.join('\n       ')}\n  tried: ${race.tried.length}, complete: ${race.complete}`);
      for (const f of race.fixes) assert.equal(f.verdict, 'fix');
    }
  });
}


const SEED = fs.readFileSync('test/data/cli/unexpected-race.vmscen', 'utf8');

function seedSearch(options: Parameters<typeof searchFileFixes>[2]): ReturnType<typeof searchFileFixes>[number] {
  const file = checkFile(SEED);
  return searchFileFixes(file, analyzeChecked(file).scenarios, options)[0]!;
}

test('a budget that runs out makes the search incomplete (stopped: budget), never "no fix"', () => {
  const full = seedSearch({});
  const race = full.findings.find((f) => f.finding.code === 'lost-write')!;
  assert.equal(race.complete, true);
  // room for the unedited run and about one candidate
  const cut = seedSearch({ budgetStates: 2 * full.explored.states });
  const cutRace = cut.findings.find((f) => f.finding.code === 'lost-write')!;
  assert.equal(cutRace.complete, false);
  assert.equal(cutRace.stopped, 'budget');
  assert.ok(cutRace.tried.length < race.tried.length);
  assert.ok(cut.budget.used <= 2 * full.explored.states + full.explored.states * 2, 'at most one exploration past the budget');
});

test('a cancelled search stops before its first candidate and says so', () => {
  const res = seedSearch({ cancelled: () => true });
  for (const f of res.findings) {
    assert.equal(f.complete, false);
    assert.equal(f.stopped, 'cancelled');
    assert.deepEqual(f.fixes, []);
  }
});

test('every fix offered is verified: its edit, applied and explored from scratch, has no finding the original lacked and not the one it fixes', () => {
  const file = checkFile(SEED);
  const original = analyzeChecked(file).scenarios[0]!;
  const keys = (fs2: readonly { type: string; code: string; thread: string }[]): string[] => fs2.map((f) => `${f.type}:${f.code}:${f.thread}`);
  const before = new Set(keys([...original.races, ...original.violations]));
  for (const f of seedSearch({}).findings) {
    const target = `${f.finding.type}:${f.finding.code}:${f.finding.thread}`;
    for (const fix of f.fixes) {
      const lines = SEED.split('\n');
      for (const e of [...fix.candidate.edits].sort((a, b) => b.line - a.line || b.col - a.col)) {
        const l = lines[e.line - 1]!;
        lines[e.line - 1] = l.slice(0, e.col - 1) + e.newText + l.slice(e.endCol - 1);
      }
      const after = analyzeChecked(checkFile(lines.join('\n'))).scenarios[0]!;
      assert.ok(after.complete, fix.candidate.title);
      const now = keys([...after.races, ...after.violations]);
      assert.ok(!now.includes(target), `${fix.candidate.title} keeps ${target}`);
      for (const k of now) assert.ok(before.has(k), `${fix.candidate.title} introduces ${k}`);
    }
  }
});
