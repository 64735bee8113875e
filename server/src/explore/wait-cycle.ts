// The wait-for cycle among blocked threads: a deadlock report names it, and a trace's slice
// (slice.ts) keeps what the cycle's threads need to block.

/** The first cycle in the wait-for graph (a thread waits for the holders of what it wants), if any. */
export function findCycle<T extends { thread: number; holders: readonly number[] }>(waits: T[]): T[] | undefined {
  const byThread = new Map(waits.map((w) => [w.thread, w]));
  for (const start of waits) {
    const seen: T[] = [];
    let cur: T | undefined = start;
    while (cur && !seen.includes(cur)) {
      seen.push(cur);
      const nextHolder: number | undefined = cur.holders.find((h) => byThread.has(h));
      cur = nextHolder === undefined ? undefined : byThread.get(nextHolder);
    }
    if (cur) return seen.slice(seen.indexOf(cur));
  }
  return undefined;
}
