// The state vector's encodings and field offsets: thread statuses, PTE, frame and VMA bits,
// and where each field sits inside a thread's, an mm's, a VMA's, a page table's and a frame's
// block. layout.ts computes the blocks' positions per scenario; machine.ts addresses them.

/** Thread status values (field T_STATUS). */
export const RUN = 0;
export const DONE = 1;
export const SEGV = 2;
export const WAIT_MMAP = 3;
export const WAIT_UFFD = 4;
export const WAIT_RANGE = 5;
export const GRANTED = 6; // a queued mmap_lock acquisition was granted; the step completes next
export const STUCK = 7; // spins or sleeps forever (a lock it already holds)
export const WAIT_VMA_WRITE = 8; // vma_start_write() has marked its VMAs and waits for their readers

/** PTE encoding: frame slot + 1 in the low bits (0 = no PTE), flags above. */
export const PTE_FRAME_MASK = 0xffff;
export const PTE_W = 1 << 16;
export const PTE_UFFD = 1 << 17;
export const PTE_DIRTY = 1 << 18;
export const PTE_PROTNONE = 1 << 19;
export const PTE_MODIFYING = 1 << 20; // ptep_modify_prot_start() cleared it, under the PTL: none to walkers, still mapped
// reclaim: a swap entry (not present: the frame bits are 0, so every walker sees it none). Its
// page is in the swap cache, locked by the reclaim of thread (PTE_SWAP_SHIFT bits) while that
// reclaim runs (PTE_SWAPCACHE), else written out: the value index above PTE_SWAP_SHIFT.
export const PTE_SWAP = 1 << 21;
export const PTE_SWAPCACHE = 1 << 22;
// numa / migrate: a migration entry (non-present, no frame in the low bits; W = a writable
// migration entry) and the thread migrating its page (thread + 1 above PTE_MIG_OWNER_SHIFT),
// which stands for the swap entry's pfn: remove_migration_ptes() finds the entries it made
export const PTE_MIGRATION = 1 << 23;
// A swap entry and a migration entry are never the same PTE, so they share the payload bits
// 24..30: the swap slot (7 bits) or the migrating thread + 1 (6 bits).
export const PTE_SWAP_SHIFT = 24;
export const PTE_MIG_OWNER_SHIFT = 24; // 6 bits: thread + 1

/** Frame flag bits (field F_FLAGS). */
export const FR_LIVE = 1;
export const FR_FREED = 2;
export const FR_EXCL = 4; // PageAnonExclusive
export const FR_CACHE = 8; // page-cache page (not anonymous)
export const FR_RDONLY = 16; // page of a file the process may not write
export const FR_SHARED = 32; // also mapped by an mm that is not modelled
export const FR_ZERO = 64; // the shared zero page
export const FR_INITSHARED = 128; // mapped by two modelled mms in the initial state
export const FR_RECLAIM = 256; // locked and isolated by a reclaim (folio_trylock in shrink_folio_list)
export const FR_ISOLATED = 512; // numa / migrate: isolated from the LRU and locked for migration
// truncate (issue 10)
export const FR_TRUNCATED = 1024; // i_size_write() past this page-cache page: a fault on it gets SIGBUS
export const FR_INCACHE_GONE = 2048; // deleted from the page cache (its reference dropped)

/** VMA slot state (field V_STATE). */
export const VMA_FREE = 0;
export const VMA_LIVE = 1;
export const VMA_DETACHED = 2; // unlinked by munmap, struct not yet freed
export const VMA_GONE = 3; // freed (remove_vma)

/** VMA flag bits (field V_FLAGS). */
export const VF_FILE = 1;
export const VF_SHARED = 2;
export const VF_GROWSDOWN = 4;
export const VF_UFFD = 8;
export const VF_ANONVMA = 16; // vma->anon_vma is set (anon_vma_prepare, anon_vma_fork; kernel-paths §1.3, §8.2)

/** Page table state (field PT_STATE). */
export const PT_NONE = 0;
export const PT_PRESENT = 1;

/** Previous page table generation status (field PT_OLD). */
export const OLD_FREED = 0;
export const OLD_RCU = 1; // freed through RCU; still valid for IRQs-off walkers in PT_RCUMASK
export const OLD_PENDING = 3; // unhooked by munmap, freed by its tlb_finish_mmu

// Per-thread fields (relative to thread base).
export const T_PC = 0;
export const T_STATUS = 1;
export const T_MMAP_R = 2; // read holds of its mm's mmap_lock (recursive reads count)
export const T_MMAP_W = 3; // 1 if it holds its mm's mmap_lock for write (fork: the parent's)
export const T_PTLS = 4; // bitmask of held PTLs (global page-table index, see ptIndex)
export const T_IRQ = 5; // 1 if IRQs are off on its CPU
export const T_LOCALS = 6; // op-local registers follow, then gather list, registers, refs, explicit VMA read-lock counts

// Per-mm fields.
export const M_EXISTS = 0;
export const M_READERS = 1;
export const M_WRITER = 2; // thread + 1
export const M_PENDING = 3; // tlb_flush_pending
export const M_WPSEQ = 4; // write_protect_seq
export const M_BATCHED = 5; // mm->tlb_flush_batched: reclaim deferred a flush for this mm (set_tlb_ubc_flush_pending)
export const M_QUEUE = 6; // FIFO of waiting threads (thread+1, negative = writer), nThread entries
// then range-lock slots (locking range), VMA slots, page tables, PTEs

// Range-lock slots (locking range): a FIFO in arrival order; a request is granted when no
// earlier slot (held or waiting) overlaps it with a write on either side (a fair range rwlock).
export const RS_LO = 0; // index into rangePoints
export const RS_HI = 1; // index into rangePoints (exclusive end)
export const RS_INFO = 2; // thread + 1 in the low byte, RI_* flags above
export const RS_SIZE = 3;
export const RI_THREAD = 0xff;
export const RI_WRITE = 1 << 8;
export const RI_HELD = 1 << 9;
export const RI_EXPLICIT = 1 << 10; // taken by a `lock range` / `lock mmap` step, not by an op
/** The top of the address space: a range lock `0..RANGE_TOP` is the whole mm (fork, `lock mmap`). */
export const RANGE_TOP = 0x800000000000;

export const V_STATE = 0;
export const V_START = 1;
export const V_END = 2;
export const V_PROT = 3; // 0 none, 1 r, 2 rw
export const V_FLAGS = 4;
export const V_READERS = 5; // VMA read lock holders
export const V_WRITER = 6; // thread + 1 holding vma_start_write (pervma) or vm_write_begin (spf)
export const V_SEQ = 7; // SPF vm_sequence: odd while a writer is inside vm_write_begin/end
export const V_SIZE = 8;

export const PT_STATE = 0;
export const PT_GEN = 1;
export const PT_OLD = 2;
export const PT_RCUMASK = 3; // CPUs (bitmask) whose IRQs-off section began before the RCU free
export const PT_PTL = 4; // thread + 1
export const PT_SIZE = 5;

// Per-frame fields.
export const F_VALUE = 0;
export const F_REFS = 1;
export const F_PINS = 2;
export const F_FLAGS = 3;
export const F_SHAREDBY = 4; // fork op bits, tagWords entries

// Global fields.
export const G_PTL_ORDER = 0; // per ordered pair (a, b): PTL b taken while holding a, and the gate held (locks/ptl.ts)
/** Bits per pair in the order record: 0 = never, else 1 + address-space gate (0-2) + 3 * (gate PTL + 1, or 0). */
export const ptlOrderBits = (nPt: number): number => 32 - Math.clz32(3 * nPt + 3);

/** Op tag bits per 32-bit tag word; word 0 also carries the two "initial" tags. */
export const TAG_BITS_PER_WORD = 27;
/** A TLB entry that, in the initial state, maps another frame than its PTE (removed earlier). */
export const TAG_INITIAL_REMOVAL = 1 << 28;
/** A TLB entry that, in the initial state, is writable over a read-only PTE. */
export const TAG_INITIAL_WP = 1 << 27;
