/**
 * Integer key (a MAC as a 48-bit number, net/mac.ts; an IPv4 address) → slot: an open-addressing hash
 * table with linear probing in two typed arrays, kept at most half full, outside V8's heap. Not a
 * Map<string, number>: that needs a MAC string per client, and each time it grows it leaves its old table
 * behind in the large-object space until the next full collection
 * (docs/benchmarks.md#the-lease-table-in-typed-arrays).
 *
 * Deletion shifts the entries after the hole back instead of leaving tombstones (Knuth, TAOCP vol. 3,
 * 6.4 Algorithm R), so lookups never slow down as clients come and go.
 */
/** A position in the owner's columns. */
export type Slot = number;

/** Key → slot, as the lease table's indexes (this one, by MAC; address-index.ts) offer it. */
export interface SlotIndex<K extends number = number> {
  get(key: K): Slot | undefined;
  set(key: K, s: Slot): void;
  delete(key: K): void;
}

const FIRST_CAPACITY = 64;

export class KeyIndex implements SlotIndex {
  private keys: Float64Array;
  /** slot + 1; 0 = empty */
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  /** `expected`: the entries expected (more are made room for), so that the table is not rebuilt to grow. */
  constructor(expected = FIRST_CAPACITY / 2) {
    let capacity = FIRST_CAPACITY;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  get(key: number): Slot | undefined {
    for (let i = hash(key) & this.mask; ; i = (i + 1) & this.mask) {
      const v = this.slots[i]!;
      if (v === 0) return undefined;
      if (this.keys[i] === key) return v - 1;
    }
  }

  set(key: number, s: Slot): void {
    let i = hash(key) & this.mask;
    for (; this.slots[i] !== 0; i = (i + 1) & this.mask) {
      if (this.keys[i] === key) {
        this.slots[i] = s + 1;
        return;
      }
    }
    this.keys[i] = key;
    this.slots[i] = s + 1;
    if (++this.count * 2 > this.slots.length) this.resize(this.slots.length * 2);
  }

  delete(key: number): void {
    const mask = this.mask;
    let i = hash(key) & mask;
    for (; ; i = (i + 1) & mask) {
      if (this.slots[i] === 0) return;
      if (this.keys[i] === key) break;
    }
    // Algorithm R: move back every later entry of the run whose home is not between the hole and it.
    for (let j = (i + 1) & mask; this.slots[j] !== 0; j = (j + 1) & mask) {
      const home = hash(this.keys[j]!) & mask;
      const between = i <= j ? i < home && home <= j : i < home || home <= j;
      if (between) continue;
      this.keys[i] = this.keys[j]!;
      this.slots[i] = this.slots[j]!;
      i = j;
    }
    this.slots[i] = 0;
    this.count--;
  }

  private resize(capacity: number): void {
    const { keys, slots } = this;
    this.keys = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) this.set(keys[i]!, slots[i]! - 1);
  }
}

/** Mixes a key (an integer below 2^53) into 32 bits (both halves through a multiply, then a final avalanche step). */
function hash(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
