// mremap and truncate steps (issue 10): what can be judged before exploring. An mremap's
// destination must be free (MREMAP_FIXED over a mapping would unmap it first, which vmscen
// does not model) and must not overlap its source (mremap_to(): -EINVAL); a truncate names
// page-cache frames (frames listed in some file VMA's `cache`), which identify the file and
// the pages. VMAs an earlier step changes are the engine's: an mremap whose source is not one
// live VMA at run time returns -EFAULT and changes nothing.
import { PAGE_SIZE } from '../../engine/scenario';
import { hex } from './addresses';
import { diagnostic } from './codes';
import type { CheckContext } from './context';
import { ModelLookup } from './lookup';
import type { ModelVma } from './model';
import type { Span } from '../span';

/** The VMAs mm `i` starts with: its own, or for a forked mm its parent's. */
function startVmas(cx: CheckContext, i: number, depth = 0): readonly ModelVma[] {
  const mm = cx.model.mms[i];
  const forker = mm?.forkedBy;
  if (!mm || !forker || depth > cx.model.mms.length) return mm?.vmas ?? [];
  return startVmas(cx, cx.model.threads[forker.thread]?.mm ?? 0, depth + 1);
}

export function checkMoves(cx: CheckContext): void {
  // the destinations of each mm's mremaps, checked against each other once sorted (O(n log n))
  const claimed = new Map<number, { start: number; end: number; span: Span }[]>();
  for (const t of cx.model.threads) {
    for (const s of t.steps) {
      if (s.op.name === 'truncate') {
        for (const slot of s.slots) {
          if (slot.kind !== 'frames') continue;
          for (const n of slot.names) {
            const f = cx.lookup.frameIndex(n.text);
            if (f === undefined) {
              cx.out.push(diagnostic('unknown-name', n.span, `unknown frame '${n.text}': truncate names the page-cache frames of a file (listed in a file VMA's 'cache')`));
            } else if (!cx.model.frames[f]!.pageCache) {
              cx.out.push(diagnostic('shape', n.span, `frame '${n.text}' is not a page-cache page: truncate names frames listed in a file VMA's 'cache'`));
            }
          }
        }
        continue;
      }
      if (s.op.name !== 'mremap' || s.targetAddr === undefined) continue;
      const r = s.slots.find((x) => x.kind === 'range');
      if (!r || r.kind !== 'range') continue;
      const dest = s.targetAddr;
      const end = dest + (r.end - r.start);
      const span = s.node.target?.span ?? s.node.span;
      if (dest < r.end && r.start < end) {
        cx.out.push(diagnostic('overlap', span, `mremap's destination ${hex(dest)}..${hex(end)} overlaps its source ${hex(r.start)}..${hex(r.end)} (mremap_to(): -EINVAL)`));
        continue;
      }
      if (end - PAGE_SIZE >= 0x800000000000) {
        cx.out.push(diagnostic('address-range', span, `mremap's destination ${hex(dest)}..${hex(end)} runs past the user address space`));
        continue;
      }
      const busy = ModelLookup.overlapping(startVmas(cx, t.mm), dest, end)[0];
      if (busy) {
        cx.out.push(diagnostic('overlap', span, `mremap's destination ${hex(dest)}..${hex(end)} is not free: the VMA ${hex(busy.start)}..${hex(busy.end)} (line ${busy.span.line}) is mapped there; vmscen moves only into free space`));
        continue;
      }
      const list = claimed.get(t.mm) ?? [];
      list.push({ start: dest, end, span });
      claimed.set(t.mm, list);
    }
  }
  for (const list of claimed.values()) {
    // in source order within equal starts, so the later step is the one reported
    const sorted = list.map((c, i) => ({ ...c, i })).sort((a, b) => a.start - b.start || a.i - b.i);
    let widest: (typeof sorted)[number] | undefined;
    for (const c of sorted) {
      if (widest && widest.end > c.start) {
        cx.out.push(diagnostic('overlap', c.span, `mremap's destination ${hex(c.start)}..${hex(c.end)} overlaps another mremap's destination ${hex(widest.start)}..${hex(widest.end)} in the same mm`));
      }
      if (!widest || c.end > widest.end) widest = c;
    }
  }
}
