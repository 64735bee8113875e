// What each locking design is, as plain data: read by the layout (which state fields exist),
// by the language checks (which explicit locks a scenario may take) and by the machine
// snapshot (how locks are named). The behaviour of each design is its class in this folder.
import type { Design } from '../settings';

export interface DesignTraits {
  /** Faults remember the VMA they read-locked (pervma) or snapshotted (spf): the L_VMA register. */
  readonly faultVma: boolean;
  /** A VMA-locked fault holds a read lock on its VMA (pervma), not just a snapshot (spf). */
  readonly faultReadLocksVma: boolean;
  /** The address-space lock is a set of range locks (slots per mm), not mmap_lock. */
  readonly rangeLocks: boolean;
  /** VMA writers bracket with a sequence count (spf's vm_write_begin/end), not a VMA write lock. */
  readonly vmaSequence: boolean;
  /** Explicit locks a scenario may take besides `mmap` and `ptl`. */
  readonly explicitLocks: readonly ('vma' | 'range')[];
  /** How the lock a fault holds on its VMA is shown (snapshot), if it holds one. */
  readonly faultVmaLabel: string;
}

export const DESIGN_TRAITS: Readonly<Record<Design, DesignTraits>> = {
  classic: { faultVma: false, faultReadLocksVma: false, rangeLocks: false, vmaSequence: false, explicitLocks: [], faultVmaLabel: '' },
  pervma: { faultVma: true, faultReadLocksVma: true, rangeLocks: false, vmaSequence: false, explicitLocks: ['vma'], faultVmaLabel: 'vma R (fault)' },
  spf: { faultVma: true, faultReadLocksVma: false, rangeLocks: false, vmaSequence: true, explicitLocks: [], faultVmaLabel: 'speculative' },
  range: { faultVma: false, faultReadLocksVma: false, rangeLocks: true, vmaSequence: false, explicitLocks: ['range'], faultVmaLabel: '' },
};
