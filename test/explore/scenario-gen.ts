// Random small scenarios for property tests: under each locking design, one anonymous VMA of
// two pages (uffd-registered or not; or one page with a growsdown stack page above it), a
// frame or two, 2-3 threads of 1-3 steps drawn from every op and option; often two of them
// clones doing user accesses (symmetric threads).
import fc from 'fast-check';

const STEPS = [
  'store 0x1000 = 5',
  'store 0x2000 = 6',
  'load 0x1000 -> r',
  'fault write 0x1000',
  'fault read 0x2000',
  'cow 0x1000',
  'fault write 0x1000 pending=flush',
  'fault write 0x1000 copy=ptl',
  'gup 0x1000 write -> g',
  'gup 0x1000 pin fast -> g',
  'gup 0x2000 -> g',
  'put g',
  'kwrite g = 7',
  'kread g -> v',
  'mprotect 0x1000 r',
  'mprotect 0x1000..0x3000 rw',
  'mprotect 0x1000 r flush=ptl',
  'mprotect 0x1000 r lock=read',
  'wrprotect 0x1000..0x3000',
  'wrprotect 0x1000 lock=read flush=deferred marker=none',
  'wrprotect 0x1000 flush=ptl marker=none',
  'unprotect 0x1000',
  'munmap 0x2000',
  'munmap 0x1000 downgrade=off',
  'madvise dontneed 0x1000',
  'madvise dontneed 0x1000 nested=ignore',
  'tlbi 0x1000',
  'tlbi all local',
  'fork',
  'fork pinned=share wpseq=off',
  'lock mmap read; unlock mmap',
  'lock ptl 0x1000; unlock ptl 0x1000',
  'irq off; irq on',
  'mprotect 0x1000 r vmalock=off',
  'wrprotect 0x1000 lock=write marker=none',
  'wrprotect 0x1000 lock=write marker=none vmalock=on',
  'fork vmalock=off',
  'lock vma 0x1000 read; unlock vma 0x1000',
  'lock range 0x1000 read; unlock range 0x1000',
  'lock range 0x1000..0x3000 write; fault write 0x2000; unlock range 0x1000..0x3000',
  // stack growth (issue 10): with `stack`, 0x2000..0x3000 is a growsdown VMA above 0x1000..0x2000
  'fault write 0x1000 stack=read',
  'gup 0x1000 write stack=read -> g',
  'munmap 0x1000 downgrade=check',
  'munmap 0x1000 downgrade=on',
  // reclaim
  'reclaim 0x1000',
  'reclaim B batch=off',
  'mprotect 0x1000 r batched=ignore',
  'madvise dontneed 0x1000 batched=ignore',
  // numa, migrate (issue 10)
  'numa 0x1000..0x3000',
  'numa 0x1000 migrate=on',
  'migrate 0x1000',
  'migrate 0x1000 pending=ignore',
  'migrate A',
  // mremap and truncate (issue 10): a destination is made unique per thread and step below;
  // 0x5000 is a shared file VMA backed by C, declared when a thread uses it
  'mremap 0x1000 -> 0x400000',
  'mremap 0x1000..0x3000 flush=deferred -> 0x400000',
  'mremap 0x2000 flush=dirty -> 0x400000',
  'mremap 0x1000 batched=ignore -> 0x400000',
  'store 0x5000 = 8',
  'mremap 0x5000 flush=deferred -> 0x400000',
  'truncate C',
];

/** The steps that make the classic races, drawn more often. */
const HOT = [
  'store 0x1000 = 5',
  'store 0x1000 = 5',
  'fault write 0x1000',
  'wrprotect 0x1000 lock=read flush=deferred marker=none',
  'wrprotect 0x1000 lock=read flush=none pending=off marker=none',
  'madvise dontneed 0x1000 nested=ignore',
  'fork -> c',
  'gup 0x1000 write pin -> g',
  'lock mmap read; lock mmap read; unlock mmap; unlock mmap',
  'lock mmap write; unlock mmap',
  'wrprotect 0x1000 lock=write marker=none',
  'fork vmalock=off -> c',
];

const stepArb = fc.oneof({ arbitrary: fc.constantFrom(...STEPS), weight: 2 }, { arbitrary: fc.constantFrom(...HOT), weight: 3 });

const threadArb = fc.array(stepArb, { minLength: 1, maxLength: 3 }).map((steps) => {
  // references and registers must be taken before they are used
  const out: string[] = [];
  let hasRef = false;
  let forked = false;
  for (const s of steps) {
    if (/^(put|kwrite|kread) g/.test(s) && !hasRef) continue;
    if (s.startsWith('fork')) {
      if (forked) continue; // one child name per thread
      forked = true;
    }
    if (s.startsWith('gup')) hasRef = true;
    out.push(s);
  }
  return out.length ? out : ['store 0x1000 = 5'];
});

/** User accesses only: the threads thread symmetry puts in one class (engine/symmetry.ts). */
const ACCESS = ['store 0x1000 = 5', 'store 0x2000 = 6', 'load 0x1000 -> r', 'store 0x1000 = 9'];

export type GenDesign = 'classic' | 'spf' | 'range' | 'pervma';

/** Random scenarios under a random design, or under the one given. */
export function scenarioArbFor(design?: GenDesign): fc.Arbitrary<string> {
  return fc
    .record({
      design: design === undefined ? fc.constantFrom<GenDesign>('classic', 'spf', 'range', 'pervma') : fc.constant(design),
      uffd: fc.boolean(),
      reuse: fc.constantFrom('exclusive', 'refcount', 'mapcount'),
      arch: fc.constantFrom('x86', 'arm64 rcu-table-free=off', 'arm64'),
      shared: fc.boolean(),
      refs: fc.integer({ min: 0, max: 2 }),
      mapA: fc.constantFrom('rw', 'r', 'none'),
      mapB: fc.boolean(),
      threads: fc.array(threadArb, { minLength: 2, maxLength: 3 }),
      tlbCpus: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      // stack growth (issue 10): the second page is a stack above the first
      stack: fc.constantFrom(false, false, true),
      // thread symmetry: thread 0 does user accesses only and a clone of it (another stored
      // value, its own CPU with the same TLB line) joins the threads, often
      clone: fc.constantFrom(false, true, true),
      access: fc.array(fc.constantFrom(...ACCESS), { minLength: 1, maxLength: 2 }),
    })
    .map((r) => {
      if (r.clone) {
        r.threads = [r.access, ...r.threads.slice(1, 2), r.access.map((x) => x.replace('= 5', '= 7'))];
        r.tlbCpus = [r.tlbCpus[0]!, r.tlbCpus[1]!, r.tlbCpus[0]!];
      }
      const vmas = r.stack ? [`  vma 0x1000..0x2000 rw anon private${r.uffd ? ' uffd' : ''}`, '  vma 0x2000..0x3000 rw anon private growsdown'] : [`  vma 0x1000..0x3000 rw anon private${r.uffd ? ' uffd' : ''}`];
      const lines = ['scenario gen {', `  locking ${r.design}`, `  reuse ${r.reuse}`, `  arch ${r.arch}`, ...vmas];
      lines.push(`  frame A = 1${r.shared ? ' shared' : ''}${r.refs ? ` refs=${r.refs}` : ''}`);
      lines.push('  frame B = 2');
      const aProt = r.shared && r.mapA === 'rw' ? 'r' : r.mapA;
      if (aProt !== 'none') lines.push(`  map 0x1000 -> A ${aProt}`);
      if (r.mapB) lines.push('  map 0x2000 -> B rw');
      r.threads.forEach((_, i) => {
        if (r.tlbCpus[i] && aProt !== 'none') lines.push(`  tlb cpu${i} 0x1000 -> A ${aProt}`);
      });
      // range locks exist only under `locking range`, VMA locks under `locking pervma`; elsewhere the same shape with mmap_lock
      const body = (steps: string[]): string => {
        const text = steps.join('; ');
        const noRange = r.design === 'range' ? text : text.replace(/lock range [0-9a-fx.]+ (read|write)/g, 'lock mmap $1').replace(/unlock range [0-9a-fx.]+/g, 'unlock mmap');
        // VMA locks exist only under pervma
        return r.design === 'pervma' ? noRange : noRange.replace(/lock vma 0x1000 read; unlock vma 0x1000/g, 'lock mmap read; unlock mmap');
      };
      // issue 10: the file VMA of `truncate C` and 0x5000, only where a thread uses it
      if (r.threads.some((steps) => steps.some((x) => x.includes('0x5000') || x.includes('truncate C')))) lines.push('  vma 0x5000..0x6000 rw file shared cache C', '  frame C = 3', '  map 0x5000 -> C rw');
      // every mremap destination is its own (a free range 0x400000 + 0x10000 per thread and step)
      let dest = 0;
      const unique = (text: string, i: number): string => text.replace(/-> 0x400000/g, () => `-> 0x${(0x400000 + i * 0x40000 + dest++ * 0x10000).toString(16)}`);
      r.threads.forEach((steps, i) => lines.push(`  thread t${i} on cpu${i} { ${unique(body(steps), i).replace(/-> c\b/, `-> c${i}`)} }`));
      lines.push('}');
      return lines.join('\n') + '\n';
    });
}

export const scenarioArb = scenarioArbFor();
