// UFFDIO_WRITEPROTECT steps (`wrprotect marker=uffd`, `unprotect`) over a VMA not registered for
// uffd-wp. The engine models the kernel's answer, -ENOENT with nothing changed
// (mwriteprotect_range(): `if (!userfaultfd_wp(dst_vma)) goto out_unlock;`), so the scenario
// is explored as written; the warning says why the step will do nothing, since it is rarely
// what the author meant. VMAs declared in the scenario are judged (a fork child has none
// registered: dup_userfaultfd() clears VM_UFFD_WP without UFFD_FEATURE_EVENT_FORK); VMAs an
// earlier step changes are the engine's.
import { hex } from './addresses';
import { diagnostic } from './codes';
import type { CheckContext } from './context';
import { ModelLookup } from './lookup';
import type { ModelVma } from './model';

/** The VMAs of mm `i` as declared, and whether they keep their uffd registration. */
function declaredVmas(cx: CheckContext, i: number, depth = 0): { vmas: readonly ModelVma[]; forked: boolean } {
  const mm = cx.model.mms[i];
  const forker = mm?.forkedBy;
  if (!mm || !forker || depth > cx.model.mms.length) return { vmas: mm?.vmas ?? [], forked: false };
  const parent = declaredVmas(cx, cx.model.threads[forker.thread]?.mm ?? 0, depth + 1);
  return { vmas: parent.vmas, forked: true };
}

export function checkUffdRanges(cx: CheckContext): void {
  for (const t of cx.model.threads) {
    for (const s of t.steps) {
      const uffdIoctl = s.op.name === 'unprotect' || (s.op.name === 'wrprotect' && s.options.get('marker') === 'uffd');
      const r = s.slots.find((x) => x.kind === 'range');
      if (!uffdIoctl || !r || r.kind !== 'range') continue;
      const { vmas, forked } = declaredVmas(cx, t.mm);
      const bad = ModelLookup.overlapping(vmas, r.start, r.end).find((v) => forked || !v.uffd);
      if (!bad) continue;
      const why = forked ? `in a forked mm (fork clears the registration)` : `declared on line ${bad.span.line} without 'uffd'`;
      const what = s.op.name === 'unprotect' ? 'unprotect' : 'wrprotect marker=uffd';
      cx.out.push(diagnostic('uffd-unregistered', s.node.span, `${what} is UFFDIO_WRITEPROTECT, but the VMA ${hex(bad.start)}..${hex(bad.end)} is not registered for uffd-wp (${why}): the ioctl returns -ENOENT and changes nothing. Add 'uffd' to the VMA${s.op.name === 'wrprotect' ? ", or write 'marker=none' for a clear_refs-style write-protect" : ''}`));
    }
  }
}
