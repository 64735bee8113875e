// Address and range literals: page alignment and the user address space.
import { PAGE_SIZE } from '../../engine/scenario';
import type * as A from '../ast';
import type { LangDiagnostic } from '../diagnostic';
import { diagnostic } from './codes';

/** x86-64 TASK_SIZE_MAX with 4-level paging: user addresses lie below 2^47 - 4096. */
export const USER_ADDR_LIMIT = 0x7ffffffff000;

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** @param note appended to the message, to say why this literal is an address */
export function checkAddress(lit: A.IntLit, out: LangDiagnostic[], what = 'address', note = ''): number | undefined {
  const v = lit.value;
  if (v === undefined) return undefined;
  if (v % PAGE_SIZE !== 0) {
    const down = v - (v % PAGE_SIZE);
    out.push(diagnostic('unaligned', lit.span, `${what} ${lit.text} is not page aligned (4 KiB pages): did you mean ${hex(down)} or ${hex(down + PAGE_SIZE)}?${note}`));
    return undefined;
  }
  if (v >= USER_ADDR_LIMIT) {
    out.push(diagnostic('address-range', lit.span, `${what} ${lit.text} is outside the user address space (below ${hex(USER_ADDR_LIMIT)})${note}`));
    return undefined;
  }
  return v;
}

/** A range `START..END`, or a single address meaning one page. */
export function checkRange(r: A.RangeExpr, out: LangDiagnostic[]): { start: number; end: number } | undefined {
  const start = checkAddress(r.start, out, 'range start');
  if (!r.end) return start === undefined ? undefined : { start, end: start + PAGE_SIZE };
  const endV = r.end.value;
  if (endV !== undefined && endV === USER_ADDR_LIMIT && start !== undefined) {
    // the exclusive end may be the limit itself
    return endV > start ? { start, end: endV } : undefined;
  }
  const end = checkAddress(r.end, out, 'range end');
  if (start === undefined || end === undefined) return undefined;
  if (end <= start) {
    out.push(diagnostic('empty-range', r.span, `empty range ${r.start.text}..${r.end.text}: the end must be above the start (ranges are [START, END))`));
    return undefined;
  }
  return { start, end };
}
