/**
 * Address → record slot, for one scope. On a subnet of up to 65,536 addresses (a /16 or longer prefix) it
 * is a dense Int32Array indexed by the address's offset in the subnet (256 KiB at most), not a Map, which
 * while growing leaves copies of its table behind in V8's large-object space
 * (docs/benchmarks.md#the-lease-table-in-typed-arrays). Addresses outside it (a record kept from before the subnet changed) and wider
 * subnets go to a Map.
 */
import type { Cidr, Ipv4 } from '../net/ipv4.js';
import type { Slot, SlotIndex } from './key-index.js';

/** Widest subnet indexed densely. */
const DENSE_MAX_PREFIX_BITS = 16;

export class AddressIndex implements SlotIndex<Ipv4> {
  private readonly base: number;
  /** slot + 1 per address offset; 0 = none */
  private readonly dense: Int32Array;
  private readonly sparse = new Map<Ipv4, Slot>();

  constructor(subnet: Cidr) {
    const bits = 32 - subnet.prefix;
    this.base = subnet.network;
    this.dense = new Int32Array(bits <= DENSE_MAX_PREFIX_BITS ? 2 ** bits : 0);
  }

  get(ip: Ipv4): Slot | undefined {
    const i = ip - this.base;
    if (i >= 0 && i < this.dense.length) {
      const v = this.dense[i]!;
      return v === 0 ? undefined : v - 1;
    }
    return this.sparse.get(ip);
  }

  set(ip: Ipv4, s: Slot): void {
    const i = ip - this.base;
    if (i >= 0 && i < this.dense.length) this.dense[i] = s + 1;
    else this.sparse.set(ip, s);
  }

  delete(ip: Ipv4): void {
    const i = ip - this.base;
    if (i >= 0 && i < this.dense.length) this.dense[i] = 0;
    else this.sparse.delete(ip);
  }

  /** Every slot, in address order for the dense part; deleting the current entry meanwhile is allowed. */
  forEach(fn: (s: Slot, ip: Ipv4) => void): void {
    const d = this.dense;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v !== 0) fn(v - 1, (this.base + i) as Ipv4);
    }
    for (const [ip, s] of this.sparse) fn(s, ip);
  }
}
