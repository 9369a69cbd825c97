// A hashed timing wheel for connection timers: O(1) arm/re-arm/cancel through intrusive links, no
// per-connection setTimeout, no heap. Every packet of every connection restarts its timer (as
// ip_vs_conn_put does), so re-arming must be cheap; expiry walks only the slots time passed over.
// A slot holds every timer whose expiry falls in it modulo the wheel size; timers due in a later
// round are skipped until their round comes.

export interface TimerNode {
  /** absolute expiry time (ms) */
  expires: number;
  tPrev: TimerNode | null;
  tNext: TimerNode | null;
  /** bucket index, -1 when not armed */
  tSlot: number;
}

export class TimerWheel<T extends TimerNode> {
  private readonly heads: (T | null)[];
  private readonly mask: number;
  /** absolute slot number scanned last; it is scanned again next time (it may hold later timers) */
  private cursor: number;
  size = 0;

  constructor(
    private readonly resolutionMs = 10,
    bits = 16,
    startMs = 0,
  ) {
    this.heads = new Array<T | null>(1 << bits).fill(null);
    this.mask = (1 << bits) - 1;
    this.cursor = Math.floor(startMs / resolutionMs);
  }

  /** Arm or re-arm: the node fires at `expires` (or at the next advance if that is already past). */
  arm(n: T, expires: number): void {
    n.expires = expires;
    const slot = Math.max(Math.floor(expires / this.resolutionMs), this.cursor) & this.mask;
    if (n.tSlot === slot) return;
    if (n.tSlot >= 0) this.unlink(n);
    n.tSlot = slot;
    n.tPrev = null;
    n.tNext = this.heads[slot]!;
    if (n.tNext) n.tNext.tPrev = n;
    this.heads[slot] = n;
    this.size++;
  }

  cancel(n: T): void {
    if (n.tSlot >= 0) this.unlink(n);
  }

  isArmed(n: T): boolean {
    return n.tSlot >= 0;
  }

  /**
   * Fire every timer due by `now`, slot by slot in time order. Each callback gets the time of its
   * slot (capped at `now`), so work done in it (re-arming a template for 60 s) is dated correctly.
   * A fired node is unlinked before its callback, which may arm it again.
   */
  advance(now: number, fire: (n: T, at: number) => void): void {
    const target = Math.floor(now / this.resolutionMs);
    const due = this.due;
    for (let s = this.cursor; s <= target; s++) {
      const at = s === target ? now : (s + 1) * this.resolutionMs - 1;
      const b = s & this.mask;
      // collect first: a callback may cancel or move other nodes of this bucket
      for (let n: T | null = this.heads[b]!; n !== null; n = n.tNext as T | null) if (n.expires <= at) due.push(n);
      for (let i = 0; i < due.length; i++) {
        const n = due[i]!;
        if (n.tSlot !== b || n.expires > at) continue; // re-armed or cancelled meanwhile
        this.unlink(n);
        fire(n, at);
      }
      due.length = 0;
    }
    this.cursor = target;
  }

  private readonly due: T[] = [];

  /** Every armed node, in no particular order (like /proc/net/ip_vs_conn's hash order). */
  *nodes(): IterableIterator<T> {
    for (let b = 0; b <= this.mask; b++) {
      let n: T | null = this.heads[b]!;
      while (n !== null) {
        const next = n.tNext as T | null; // read before yielding: the consumer may expire n
        yield n;
        n = next;
      }
    }
  }

  private unlink(n: T): void {
    if (n.tPrev) n.tPrev.tNext = n.tNext;
    else this.heads[n.tSlot] = n.tNext as T | null;
    if (n.tNext) n.tNext.tPrev = n.tPrev;
    n.tPrev = n.tNext = null;
    n.tSlot = -1;
    this.size--;
  }
}
