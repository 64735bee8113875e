// "Did you mean" hints for names that are not known: one message shape for every check, so the
// quick fix in analysis/code-actions.ts can read the suggestion back out of any of them.

/**
 * `HEAD; did you mean 'NAME'? MORE` when `word` looks like a typo of the candidate NAME, else
 * `HEAD. MORE`; with nothing more to say, `HEAD; did you mean 'NAME'?` or `HEAD` alone.
 */
export function didYouMean(head: string, word: string, candidates: readonly string[], more = ''): string {
  const hint = suggest(word, candidates);
  if (!more) return hint ? `${head}; did you mean '${hint}'?` : head;
  return `${head}${hint ? `; did you mean '${hint}'?` : '.'} ${more}`;
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a typo. */
function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD > 0 && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edit distance where swapping two neighbouring letters counts as one edit, like the others
 * (optimal string alignment): `laod` is one typo away from `load`. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let before = new Array<number>(b.length + 1).fill(0); // row i - 2
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j); // row i - 1
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, before[j - 2]! + 1);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}
