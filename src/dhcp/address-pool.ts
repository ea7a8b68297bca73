/**
 * The dynamic pool as a bitmap: one bit per address, set = not available (leased, offered, reserved or
 * quarantined). Finding a free address scans 32 addresses per step from a moving cursor and stops at the
 * first free one, and a free-count answers "exhausted?" without scanning, so no request ever walks a whole
 * /16 pool. The cursor moves round-robin, so a just-freed address is the last to be handed out again, which
 * gives its previous holder the best chance to get it back.
 */
import { asIpv4, type Ipv4 } from '../net/ipv4.js';

export class AddressPool {
  readonly start: Ipv4;
  readonly end: Ipv4;
  readonly size: number;
  private readonly bits: Uint32Array;
  private used = 0;
  private cursor = 0;

  constructor(start: Ipv4, end: Ipv4) {
    this.start = start;
    this.end = end;
    this.size = end - start + 1;
    this.bits = new Uint32Array(Math.ceil(this.size / 32));
  }

  has(ip: Ipv4): boolean {
    return ip >= this.start && ip <= this.end;
  }

  isFree(ip: Ipv4): boolean {
    if (!this.has(ip)) return false;
    const i = ip - this.start;
    return (this.bits[i >>> 5]! & (1 << (i & 31))) === 0;
  }

  /** Marks an address in the pool as taken; false if it was already taken or is outside the pool. */
  take(ip: Ipv4): boolean {
    if (!this.isFree(ip)) return false;
    const i = ip - this.start;
    this.bits[i >>> 5]! |= 1 << (i & 31);
    this.used++;
    return true;
  }

  free(ip: Ipv4): void {
    if (!this.has(ip) || this.isFree(ip)) return;
    const i = ip - this.start;
    this.bits[i >>> 5]! &= ~(1 << (i & 31));
    this.used--;
  }

  get freeCount(): number {
    return this.size - this.used;
  }

  /** The next free address at or after the cursor (wrapping), without taking it; undefined when full. */
  nextFree(): Ipv4 | undefined {
    if (this.used >= this.size) return undefined;
    const words = this.bits.length;
    let w = this.cursor >>> 5;
    // words + 1 steps: the cursor's word is visited twice, first from the cursor's bit, last from bit 0.
    for (let n = 0; n <= words; n++, w = (w + 1) % words) {
      const word = this.bits[w]!;
      if (word === 0xffffffff) continue;
      for (let b = n === 0 ? this.cursor & 31 : 0; b < 32; b++) {
        const i = w * 32 + b;
        if (i >= this.size) break;
        if ((word & (1 << b)) === 0) {
          this.cursor = (i + 1) % this.size;
          return asIpv4(this.start + i);
        }
      }
    }
    return undefined;
  }
}
