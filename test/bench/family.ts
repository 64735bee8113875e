// The scalable seed-race family, the same as the Promela peer models in
// shared/bench/gen_scale.py: N user threads T0..T(N-1), thread i on cpu i, each storing once
// to page (i div 2) mod K; even threads start with writable TLB entries for every page (they
// store without faulting until flushed), odd threads start with empty TLBs (they walk and take
// write faults); one write-protect thread W on cpu N. Every page starts mapped writable with
// refcount 2, so a write fault copies outside the PTL.
//   race:  W write-protects under mmap_lock read and flushes after dropping the PTL (buggy)
//   flush: W flushes before dropping the PTL (fixed)
//   wlock: W holds mmap_lock for write (fixed)

export type Variant = 'race' | 'flush' | 'wlock';

export function familyScenario(n: number, variant: Variant, k = 2): string {
  const hex = (a: number): string => `0x${a.toString(16)}`;
  const page = (p: number): number => 0x1000 * (p + 1);
  const lines: string[] = [];
  lines.push(`// seed-race family: N=${n} user threads, K=${k} pages, variant ${variant}`);
  lines.push(`scenario scale_${variant}_${n} {`);
  lines.push('  reuse refcount');
  lines.push(`  vma ${hex(page(0))}..${hex(page(k))} rw anon private`);
  for (let p = 0; p < k; p++) {
    lines.push(`  frame P${p} = 0 refs=1`);
    lines.push(`  map ${hex(page(p))} -> P${p} rw`);
  }
  for (let i = 0; i < n; i += 2) for (let p = 0; p < k; p++) lines.push(`  tlb cpu${i} ${hex(page(p))} -> P${p} rw`);
  for (let i = 0; i < n; i++) lines.push(`  thread T${i} on cpu${i} { store ${hex(page(Math.floor(i / 2) % k))} = ${i + 1} }`);
  const opts = variant === 'race' ? 'lock=read flush=deferred' : variant === 'flush' ? 'lock=read flush=ptl' : 'lock=write flush=deferred';
  lines.push(`  thread W on cpu${n} { wrprotect ${hex(page(0))}..${hex(page(k))} ${opts} marker=none pending=off }`);
  if (variant === 'race') {
    lines.push('  expect race lost-write');
    lines.push('  expect violation downgrade-needs-flush');
  } else lines.push('  expect clean');
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** A 1,000-line file: scenarios of the gallery's shape with long threads. */
export function thousandLines(): string {
  const out: string[] = [];
  let k = 0;
  const scenarioLines = 61;
  while (out.length + scenarioLines <= 1000) {
    out.push(`// generated scenario ${k}`, `scenario gen_${k} {`, '  locking classic', '  reuse refcount', '  vma 0x1000..0x9000 rw anon private uffd', '  frame A = 1 refs=1', '  frame B = 2 shared', '  map 0x1000 -> A rw', '  map 0x2000 -> B r', '  tlb cpu2 0x1000 -> A rw');
    out.push('  thread wp on cpu0 {');
    for (let i = 0; i < 20; i++) out.push(`    wrprotect 0x${(0x1000 + 0x1000 * (i % 8)).toString(16)} lock=read flush=deferred marker=none`);
    out.push('  }', '  thread faulter on cpu1 {');
    for (let i = 0; i < 20; i++) out.push(`    fault write 0x${(0x1000 + 0x1000 * (i % 8)).toString(16)} pending=flush; gup 0x2000 write -> r${i}; put r${i}`);
    out.push('  }', '  thread writer on cpu2 { store 0x1000 = 2; load 0x2000 -> v }', '  check final 0x1000 == 2 && writer.v >= 0', '  expect race lost-write', '  expect violation downgrade-needs-flush', '}', '');
    k++;
  }
  while (out.length < 1000) out.push(`// line ${out.length + 1}`);
  return out.join('\n') + '\n';
}
