// Generates docs/findings.md and docs/micro-steps.md from the engine's tables.
// `npm run docs` writes them; a tidy test fails when they are stale.
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { checkFile, isExplorable } from '../server/src/analysis/check-file';
import { accessesText, expansionMarkdown, expansionOf } from '../server/src/analysis/expansion';
import { RACES, VIOLATIONS } from '../server/src/engine/findings';
import { RESOURCE_DOC, SCOPE_DOC } from '../server/src/engine/micro-sem';
import { SEMANTICS } from '../server/src/engine/semantics';
import { OPS } from '../server/src/engine/ops';
import { lowerScenario } from '../server/src/lang/lower';

export function renderFindingsDoc(): string {
  const out = ['# Findings', '', 'Generated from `server/src/engine/findings.ts` by `npm run docs`; do not edit.', ''];
  out.push('## Lock-rule violations (`expect violation CODE`)', '', '| code | rule | kernel source |', '|---|---|---|');
  for (const v of VIOLATIONS) out.push(`| \`${v.code}\` | ${v.summary} | ${v.source} |`);
  out.push('', '## Races (`expect race KIND`)', '', '| kind | what happened | kernel source |', '|---|---|---|');
  for (const r of RACES) out.push(`| \`${r.code}\` | ${r.summary} | ${r.source} |`);
  // one heading per code: the language server links each diagnostic to docs/findings.md#CODE
  out.push('', '## Each finding', '');
  for (const [kind, list] of [['violation', VIOLATIONS], ['race', RACES]] as const) {
    for (const f of list) out.push(`### ${f.code}`, '', `${kind === 'race' ? 'Race' : 'Lock-rule violation'}: ${f.summary}.`, '', `Kernel source: ${f.source}.`, '', `Expect it with \`expect ${kind} ${f.code}\`.`, '');
  }
  return out.join('\n').trimEnd() + '\n';
}

/** One representative step per op (and per option that changes the expansion). */
const SAMPLES: { title: string; body: string; design?: string }[] = [
  { title: 'store (user access; the fault path on a miss)', body: 'store 0x1000 = 1' },
  { title: 'load', body: 'load 0x1000 -> r' },
  { title: 'fault write (copy=unlocked, pending=ignore)', body: 'fault write 0x1000' },
  { title: 'fault write copy=ptl pending=flush', body: 'fault write 0x1000 copy=ptl pending=flush' },
  { title: 'gup write', body: 'gup 0x1000 write -> r' },
  { title: 'gup fast pin', body: 'gup 0x1000 fast pin -> r' },
  { title: 'mprotect (lock=write, flush=deferred)', body: 'mprotect 0x1000 r' },
  { title: 'mprotect flush=ptl', body: 'mprotect 0x1000 r flush=ptl' },
  { title: 'wrprotect (lock=read, flush=deferred, pending=on, marker=uffd)', body: 'wrprotect 0x1000' },
  { title: 'unprotect', body: 'unprotect 0x1000' },
  { title: 'munmap (downgrade=on)', body: 'munmap 0x1000' },
  { title: 'madvise dontneed', body: 'madvise dontneed 0x1000' },
  { title: 'fork (pinned=copy)', body: 'fork -> child' },
  { title: 'fork pinned=share', body: 'fork pinned=share -> child' },
  { title: 'tlbi', body: 'tlbi 0x1000' },
  { title: 'fault write under pervma: lock_vma_under_rcu, else mmap_lock', body: 'fault write 0x1000', design: 'pervma' },
  { title: 'mprotect under pervma (vmalock=on): vma_start_write', body: 'mprotect 0x1000 r', design: 'pervma' },
  { title: 'fork under pervma (vmalock=on)', body: 'fork -> child', design: 'pervma' },
  { title: 'fault write under spf: speculative, validated at each PTL, else classic', body: 'fault write 0x1000', design: 'spf' },
  { title: 'mprotect under spf (vmalock=on): vm_write_begin ... flush, vm_write_end', body: 'mprotect 0x1000 r', design: 'spf' },
  { title: 'wrprotect under spf (vmalock=off): no sequence bracket', body: 'wrprotect 0x1000 lock=write', design: 'spf' },
  { title: 'fault write under range: a read range on the page', body: 'fault write 0x1000', design: 'range' },
  { title: 'gup under range', body: 'gup 0x1000 write -> r', design: 'range' },
  { title: 'munmap under range: a write range over the VMAs, neighbours and page-table spans, downgraded', body: 'munmap 0x1000', design: 'range' },
  { title: 'fork under range: a write range over the whole mm', body: 'fork -> child', design: 'range' },
  // reclaim
  { title: 'reclaim (batch=on): rmap walk without mmap_lock, flush batched until try_to_unmap_flush', body: 'reclaim 0x1000' },
  { title: 'reclaim batch=off: ptep_clear_flush under the PTL', body: 'reclaim 0x1000 batch=off' },
];

export function renderMicroStepsDoc(): string {
  const out = ['# Micro-steps', '', 'Generated from the semantics table (`server/src/engine/semantics.ts`, entries in `server/src/engine/step/`) and `server/src/engine/expand.ts` by `npm run docs`; do not edit.', ''];
  out.push(
    'Every operation of a scenario expands into these atomic micro-steps. The expansions below are for locking `classic` unless their title names another design;',
    'hover on an op in the editor shows its expansion under the scenario\'s own design. docs/kernel-paths.md cites the kernel source of each.',
    '',
  );
  out.push('## The micro-steps', '', '| micro-step | kernel function | what it does | source |', '|---|---|---|---|');
  for (const [k, v] of Object.entries(SEMANTICS)) out.push(`| \`${k}\` | \`${v.kernel}\` | ${v.doc} | ${v.source} |`);
  out.push(
    '',
    '## Footprints',
    '',
    'What each micro-step (its enabling condition included) may read and write of the shared state, by resource and scope. A test checks on the',
    "reachable states of random scenarios and of the examples that every field a step touches is declared here (test/engine/footprints.test.ts).",
    "Besides its micro-steps' footprints, a thread of a forked mm waits for the fork to return (it reads the forker's progress), a thread",
    'queued for a lock is woken by the release (mmap-lock, range-lock, vma-lock), and a thread that ends releases what it still holds.',
    "A race detector that asks whether an op has returned reads its thread's progress past the op's return point: the op's last micro-step, or, for",
    "an op run inside explicit locks or with IRQs off, the step that ends the thread's outermost explicit section (engine/return-point.ts).",
    '',
    '| micro-step | reads | writes |',
    '|---|---|---|',
  );
  for (const [k, v] of Object.entries(SEMANTICS)) out.push(`| \`${k}\` | ${accessesText(v.footprint.reads)} | ${accessesText(v.footprint.writes)} |`);
  out.push('', '| resource | what it is |', '|---|---|');
  for (const [r, doc] of Object.entries(RESOURCE_DOC)) out.push(`| \`${r}\` | ${doc} |`);
  out.push('', 'Scopes: ' + Object.entries(SCOPE_DOC).map(([k, v]) => `\`${k}\` ${v}`).join('; ') + '.');
  out.push('', '## Op expansions', '');
  for (const sample of SAMPLES) {
    const text = `scenario doc {\n  locking ${sample.design ?? 'classic'}\n  vma 0x1000..0x3000 rw anon private uffd\n  frame A = 1\n  map 0x1000 -> A rw\n  thread t on cpu0 { ${sample.body} }\n}\n`;
    const file = checkFile(text);
    const sc = file.scenarios[0]!;
    if (!isExplorable(file, sc)) throw new Error(`doc sample does not check: ${sample.body}: ${file.diagnostics.map((d) => d.message).join("; ")}`);
    const spec = lowerScenario(sc.model);
    out.push(`### \`${sample.body}\`${sample.design ? ` (locking ${sample.design})` : ''} — ${sample.title}`, '', expansionMarkdown(expansionOf(spec, 0, 0)), '');
  }
  out.push('## Ops', '', '| op | summary |', '|---|---|');
  for (const op of OPS) out.push(`| \`${op.forms.map((f) => f.synopsis).join('` / `')}\` | ${op.summary} |`);
  return out.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  fs.writeFileSync('docs/findings.md', renderFindingsDoc());
  fs.writeFileSync('docs/micro-steps.md', renderMicroStepsDoc());
  console.log('wrote docs/findings.md, docs/micro-steps.md');
}
