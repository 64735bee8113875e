// Number formatting shared by step texts and finding messages.

/** 0x1000 */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
