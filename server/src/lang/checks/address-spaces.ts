// Address spaces: mm blocks, VMAs (overlaps dropped) and the PTEs of `map` lines.
import type { Prot } from '../../engine/settings';
import { PAGE_SIZE } from '../../engine/scenario';
import type * as A from '../ast';
import { didYouMean } from '../did-you-mean';
import { checkAddress, checkRange, hex } from './addresses';
import { diagnostic } from './codes';
import type { CheckContext } from './context';
import { ModelLookup } from './lookup';
import { frameIndex } from './frames';
import type { ModelVma } from './model';

const MM_ITEMS = new Set(['vma', 'map', 'frame', 'tlb', 'unknown']);

/**
 * Every declaration with the index of the mm it belongs to (0, main, outside any block; -1
 * inside a block whose mm did not check out). Declares the mms of mm blocks.
 */
export function declsWithMm(cx: CheckContext, items: readonly A.DeclNode[]): { decl: A.DeclNode; mm: number }[] {
  const out: { decl: A.DeclNode; mm: number }[] = [];
  for (const d of items) {
    if (d.kind === 'mm') {
      const idx = declareMm(cx, d);
      for (const inner of d.items) {
        if (!MM_ITEMS.has(inner.kind)) {
          cx.out.push(diagnostic('misplaced', inner.span, `'${inner.kind}' is not allowed inside an mm block: only vma, map, frame and tlb`));
          continue;
        }
        out.push({ decl: inner, mm: idx ?? -1 });
      }
    } else out.push({ decl: d, mm: 0 });
  }
  return out;
}

function declareMm(cx: CheckContext, d: A.MmDecl): number | undefined {
  if (!d.name) return undefined;
  if (d.name.text === 'main') {
    cx.out.push(diagnostic('duplicate', d.name.span, "'main' is the default address space; declare its VMAs outside any mm block"));
    return 0;
  }
  const prevIndex = cx.lookup.mmIndex(d.name.text);
  const prev = prevIndex === undefined ? undefined : cx.model.mms[prevIndex];
  if (prev) {
    cx.out.push(diagnostic('duplicate', d.name.span, `mm '${d.name.text}' is already declared${prev.span ? ` on line ${prev.span.line}` : ''}`));
    return undefined;
  }
  return cx.lookup.addMm({ name: d.name.text, span: d.name.span, forkedBy: undefined, vmas: [], ptes: [] });
}

export function checkVma(cx: CheckContext, d: A.VmaDecl, mm: number): void {
  if (!d.range) return;
  const r = checkRange(d.range, cx.out);
  let prot: Prot | undefined;
  let file: boolean | undefined;
  let shared: boolean | undefined;
  let growsdown = false;
  let uffd = false;
  let unexpected = false;
  const setOnce = <T>(cur: T | undefined, val: T, w: A.Name, what: string): T => {
    if (cur === undefined) return val;
    cx.out.push(diagnostic('duplicate', w.span, `the VMA's ${what} is given twice`));
    return cur; // the first one stands, so the rest of the line is checked against it
  };
  for (const w of d.words) {
    switch (w.text) {
      case 'none':
      case 'r':
      case 'rw':
        prot = setOnce(prot, w.text, w, 'protection');
        break;
      case 'anon':
      case 'file':
        file = setOnce(file, w.text === 'file', w, 'kind (anon/file)');
        break;
      case 'private':
      case 'shared':
        shared = setOnce(shared, w.text === 'shared', w, 'sharing (private/shared)');
        break;
      case 'growsdown':
        growsdown = true;
        break;
      case 'uffd':
        uffd = true;
        break;
      default: {
        unexpected = true;
        const valid = ['none', 'r', 'rw', 'anon', 'file', 'private', 'shared', 'growsdown', 'uffd', 'cache'];
        const shape = 'vma RANGE none|r|rw anon|file private|shared [growsdown] [uffd] [cache F…]';
        cx.out.push(diagnostic('shape', w.span, didYouMean(`unexpected '${w.text}' in vma`, w.text, valid, `Expected: ${shape}`)));
      }
    }
  }
  const missing: string[] = [];
  if (prot === undefined) missing.push('a protection (none, r, rw)');
  if (file === undefined) missing.push('a kind (anon, file)');
  if (shared === undefined) missing.push('a sharing (private, shared)');
  // (after an unexpected word, which shows the whole shape, a missing one is no news)
  if (missing.length && !d.damaged && !unexpected) cx.out.push(diagnostic('shape', d.span, `vma needs ${missing.join(', ')}: vma RANGE PROT KIND SHARING [growsdown] [uffd]`));
  const cache: (number | undefined)[] = [];
  if (d.cache) {
    if (file === false) cx.out.push(diagnostic('shape', d.cacheKeyword ?? d.span, "'cache' lists page-cache frames: only a file VMA has them"));
    for (const n of d.cache) {
      const f = frameIndex(cx, n);
      if (f !== undefined) {
        cx.model.frames[f]!.pageCache = true;
        cache.push(f);
      } else cache.push(undefined);
    }
    if (r) {
      const pages = (r.end - r.start) / PAGE_SIZE;
      if (d.cache.length !== pages) {
        cx.out.push(diagnostic('shape', d.cacheKeyword ?? d.span, `'cache' lists ${d.cache.length} frame${d.cache.length === 1 ? '' : 's'} for a VMA of ${pages} page${pages === 1 ? '' : 's'}: give one frame per page`));
      }
    }
  }
  if (file === true && !d.cache) {
    if (!d.damaged) cx.out.push(diagnostic('shape', d.span, "a file VMA needs its page-cache frames: add 'cache F1 F2 …' with one frame per page"));
    return;
  }
  if (!r || prot === undefined || file === undefined || shared === undefined) return;
  if (growsdown && file) cx.out.push(diagnostic('shape', d.span, 'a growsdown VMA is an anonymous stack: use anon'));
  cx.model.mms[mm]!.vmas.push({ start: r.start, end: r.end, prot, file, shared, growsdown, uffd, cache, span: d.span });
}

/**
 * VMAs of one mm must not overlap. One sweep in address order, O(n log n): of two overlapping
 * VMAs the one written later is reported (naming the other) and dropped; the kept ones are in
 * address order.
 */
export function checkOverlaps(cx: CheckContext): void {
  for (const mm of cx.model.mms) {
    const byStart = [...mm.vmas].sort((a, b) => a.start - b.start || a.span.start - b.span.start);
    const kept: ModelVma[] = [];
    const found: { at: ModelVma; other: ModelVma }[] = [];
    for (const v of byStart) {
      const last = kept[kept.length - 1];
      if (!last || last.end <= v.start) {
        kept.push(v);
        continue;
      }
      // keep the one written first
      if (v.span.start > last.span.start) found.push({ at: v, other: last });
      else {
        found.push({ at: last, other: v });
        kept[kept.length - 1] = v;
      }
    }
    found.sort((x, y) => x.at.span.start - y.at.span.start);
    for (const { at, other } of found) {
      cx.out.push(diagnostic('overlap', at.span, `this VMA ${hex(at.start)}..${hex(at.end)} overlaps the VMA ${hex(other.start)}..${hex(other.end)} on line ${other.span.line} (mm ${mm.name})`));
    }
    mm.vmas.length = 0;
    mm.vmas.push(...kept);
  }
}

function vmaAt(cx: CheckContext, mm: number, addr: number): ModelVma | undefined {
  const vmas = cx.model.mms[mm]?.vmas;
  return vmas ? ModelLookup.vmaAt(vmas, addr) : undefined;
}

export function checkMap(cx: CheckContext, d: A.MapDecl, mm: number): void {
  if (!d.addr) return;
  const addr = checkAddress(d.addr, cx.out);
  const frame = frameIndex(cx, d.frame);
  const prot = mapProt(cx, d.prot);
  if (addr === undefined || frame === undefined || prot === undefined) return;
  const m = cx.model.mms[mm]!;
  const vma = vmaAt(cx, mm, addr);
  if (!vma) {
    cx.out.push(diagnostic('map-outside-vma', d.addr.span, `map ${hex(addr)} is outside every VMA of mm ${m.name}: declare a vma covering it first`));
    return;
  }
  const dup = cx.lookup.pte(mm, addr);
  if (dup) {
    cx.out.push(diagnostic('duplicate', d.addr.span, `${hex(addr)} is already mapped on line ${dup.span.line}`));
    return;
  }
  const f = cx.model.frames[frame]!;
  if (prot === 'rw' && f.shared && !vma.shared) {
    cx.out.push(diagnostic('shared-writable', d.prot!.span, `frame '${f.name}' is shared with another mm, so its private mapping must be read-only (COW): map it r`));
    return;
  }
  if (prot === 'rw' && vma.prot !== 'rw') {
    cx.out.push(diagnostic('prot', d.prot!.span, `a writable PTE in a VMA with protection '${vma.prot}': the PTE may not allow more than its VMA`));
    return;
  }
  if (vma.prot === 'none') {
    cx.out.push(diagnostic('prot', d.span, 'a present PTE in a PROT_NONE VMA: map only pages the VMA allows'));
    return;
  }
  if (prot === 'rw' && f.readonly) {
    cx.out.push(diagnostic('prot', d.prot!.span, `frame '${f.name}' is a read-only page-cache page: it cannot be mapped writable`));
    return;
  }
  cx.lookup.addPte(mm, { addr, frame, writable: prot === 'rw', span: d.span });
}

export function mapProt(cx: CheckContext, p: A.Name | undefined): 'r' | 'rw' | undefined {
  if (!p) return undefined;
  if (p.text === 'r' || p.text === 'rw') return p.text;
  cx.out.push(diagnostic('prot', p.span, `expected the PTE's protection r or rw, found '${p.text}' (an unmapped page has no PTE: leave out the map line)`));
  return undefined;
}
