// Frames: declared anywhere in the scenario (also after their first use), with flags and refs.
import type * as A from '../ast';
import { didYouMean } from '../did-you-mean';
import { diagnostic } from './codes';
import type { CheckContext } from './context';

export function frameIndex(cx: CheckContext, name: A.Name | undefined): number | undefined {
  if (!name) return undefined;
  const i = cx.lookup.frameIndex(name.text);
  if (i !== undefined) return i;
  const known = cx.model.frames.map((f) => f.name);
  cx.out.push(diagnostic('unknown-name', name.span, didYouMean(`unknown frame '${name.text}'`, name.text, known, `Declare it with 'frame ${name.text} = VALUE'`)));
  return undefined;
}

export function checkFrame(cx: CheckContext, d: A.FrameDecl): void {
  if (!d.name) return;
  const prevIndex = cx.lookup.frameIndex(d.name.text);
  const prev = prevIndex === undefined ? undefined : cx.model.frames[prevIndex];
  if (prev) {
    cx.out.push(diagnostic('duplicate', d.name.span, `frame '${d.name.text}' is already declared on line ${prev.span?.line}`));
    return;
  }
  let shared = false;
  let readonly = false;
  let refs = 0;
  for (const w of d.words) {
    if (w.text === 'shared') shared = true;
    else if (w.text === 'readonly') readonly = true;
    else cx.out.push(diagnostic('shape', w.span, didYouMean(`unknown frame flag '${w.text}'`, w.text, ['shared', 'readonly'], 'Valid: shared, readonly, refs=N')));
  }
  for (const o of d.options) {
    if (o.key.text !== 'refs') {
      cx.out.push(diagnostic('option', o.key.span, `unknown frame option '${o.key.text}'; valid: refs=N`));
      continue;
    }
    if (!o.value) continue; // `refs=` with no value: a syntax error, already reported
    const v = 'value' in o.value ? o.value.value : undefined;
    if (v === undefined || v > 1000) {
      cx.out.push(diagnostic('option', o.value.span, 'refs= takes a number of extra references from 0 to 1000'));
      continue;
    }
    refs = v;
  }
  cx.lookup.addFrame({ name: d.name.text, span: d.name.span, value: d.value?.value ?? 0, shared, readonly, refs, pageCache: false });
}
