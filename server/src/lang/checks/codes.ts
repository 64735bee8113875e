// Every code a semantic check reports, once, with its severity: the codes are a contract
// (tests, quick fixes and the editor's problem list key on them), so a check names one from
// this table instead of spelling a string of its own.
import type { LangDiagnostic, Severity } from '../diagnostic';
import type { Span } from '../span';

export const CHECK_CODES = {
  misplaced: { severity: 'error', summary: 'a declaration where it cannot stand (e.g. a thread inside an mm block)' },
  duplicate: { severity: 'error', summary: 'a name, setting, mapping, flag or option declared or given twice' },
  option: { severity: 'error', summary: 'an unknown option, setting value or limit, or a value out of range' },
  shape: { severity: 'error', summary: 'a declaration or step that does not have its shape (words, slots, values)' },
  'unknown-name': { severity: 'error', summary: 'a frame, mm, thread, reference or register that is not declared' },
  'unknown-op': { severity: 'error', summary: 'a step that is not an op of the catalogue' },
  unaligned: { severity: 'error', summary: 'an address that is not page aligned' },
  'address-range': { severity: 'error', summary: 'an address outside the user address space' },
  'empty-range': { severity: 'error', summary: 'a range whose end is not above its start' },
  overlap: { severity: 'error', summary: 'two VMAs of one mm that overlap' },
  'map-outside-vma': { severity: 'error', summary: 'a PTE outside every VMA of its mm' },
  'shared-writable': { severity: 'error', summary: 'a writable private mapping of a frame shared with another mm' },
  prot: { severity: 'error', summary: 'a PTE protection that its VMA or frame does not allow' },
  cpu: { severity: 'error', summary: 'a CPU name out of range, or two threads on one CPU' },
  design: { severity: 'error', summary: 'a lock that exists only under another locking design' },
  expect: { severity: 'error', summary: 'an expect line that is none of its forms' },
  'stale-tlb': { severity: 'warning', summary: 'a TLB entry that disagrees with the PTE at the start' },
  'uffd-unregistered': { severity: 'warning', summary: 'a UFFDIO_WRITEPROTECT step (wrprotect marker=uffd, unprotect) over a VMA not registered for uffd-wp: it returns -ENOENT and changes nothing' },
  'use-after-put': { severity: 'warning', summary: 'a page reference used after a `put` of it, with no `gup … -> REF` between: a use after put_page() on every path' },
  empty: { severity: 'warning', summary: 'a scenario without threads: nothing to explore' },
} as const satisfies Record<string, { readonly severity: Severity; readonly summary: string }>;

export type CheckCode = keyof typeof CHECK_CODES;

/** A diagnostic with the code's severity. */
export function diagnostic(code: CheckCode, span: Span, message: string): LangDiagnostic {
  return { span, severity: CHECK_CODES[code].severity, message, code };
}
