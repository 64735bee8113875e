// The design of a scenario, by name.
import type { Design } from '../settings';
import { ClassicDesign } from './classic';
import type { LockingDesign } from './design';
import { PervmaDesign } from './pervma';
import { RangeDesign } from './range';
import { SpfDesign } from './spf';

const DESIGN_OF: Readonly<Record<Design, () => LockingDesign>> = {
  classic: () => new ClassicDesign(),
  pervma: () => new PervmaDesign(),
  spf: () => new SpfDesign(),
  range: () => new RangeDesign(),
};

export function designFor(name: Design): LockingDesign {
  return DESIGN_OF[name]();
}
