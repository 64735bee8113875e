// The shape of the op catalogue (ops.ts and its parts ops-*.ts): an op's forms (positional
// slots), flags, options and their values, `= VALUE` and `-> TARGET`.

export interface OptionValueSpec {
  readonly value: string;
  readonly doc: string;
}

export interface OptionSpec {
  readonly key: string;
  /** Values, default first. */
  readonly values: readonly OptionValueSpec[];
  readonly doc: string;
}

export interface FlagSpec {
  readonly name: string;
  readonly doc: string;
}

/** One positional slot of a step form. */
export type SlotSpec =
  | { readonly kind: 'word'; readonly values: readonly string[]; readonly role: string }
  | { readonly kind: 'addr' }
  | { readonly kind: 'range' }
  | { readonly kind: 'range-or-all' }
  | { readonly kind: 'prot' }
  | { readonly kind: 'ref' }
  /** A declared frame's name (reclaim FRAME, migrate FRAME). */
  | { readonly kind: 'frame' }
  /** One or more frame names to the end of the positional part (truncate's page-cache pages). */
  | { readonly kind: 'frames' };

export interface FormSpec {
  readonly slots: readonly SlotSpec[];
  /** Shown in messages and completion, e.g. `lock mmap read|write`. */
  readonly synopsis: string;
}

/** What `-> X` names: a register, a reference, an mm, or (mremap) a page-aligned address. */
export type TargetKind = 'reg' | 'ref' | 'mm' | 'addr';

export interface OpSpec {
  readonly name: string;
  readonly group: 'access' | 'kernel' | 'lock';
  readonly summary: string;
  readonly forms: readonly FormSpec[];
  readonly flags: readonly FlagSpec[];
  readonly options: readonly OptionSpec[];
  /** `= VALUE` after the positional part. */
  readonly assign: 'none' | 'required';
  /** `-> NAME`, what NAME names, and whether it is required. */
  readonly target?: { readonly kind: TargetKind; readonly required: boolean; readonly doc: string };
}
