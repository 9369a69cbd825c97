// A ring of per-second points of one series (chart fields only, float32): grows by doubling up to
// its window so idle series stay small, drops what falls out of the window.
import { CHART_FIELDS } from '../api/stats-fields';

/** values per point: CHART_FIELDS, in their order */
export const W = CHART_FIELDS.length;

export class Ring {
  private t = new Float64Array(16);
  private v = new Float32Array(16 * W);
  private start = 0;
  len = 0;

  constructor(private readonly windowSeconds: number) {}

  get last(): number {
    return this.len ? this.t[(this.start + this.len - 1) % this.t.length]! : -Infinity;
  }

  push(sec: number, vals: ArrayLike<number>): void {
    if (this.len && sec <= this.last) {
      if (sec === this.last) this.write((this.start + this.len - 1) % this.t.length, sec, vals);
      return; // older than what we have: a late duplicate
    }
    if (this.len === this.t.length) {
      if (this.t.length < this.windowSeconds) this.grow();
      else {
        this.start = (this.start + 1) % this.t.length;
        this.len--;
      }
    }
    this.write((this.start + this.len) % this.t.length, sec, vals);
    this.len++;
    // drop what fell out of the window even when the ring is not full (after a pause)
    while (this.len && this.t[this.start]! <= sec - this.windowSeconds) {
      this.start = (this.start + 1) % this.t.length;
      this.len--;
    }
  }

  private write(i: number, sec: number, vals: ArrayLike<number>) {
    this.t[i] = sec;
    for (let m = 0; m < W; m++) this.v[i * W + m] = vals[m] ?? 0;
  }

  private grow() {
    const cap = Math.min(this.windowSeconds, this.t.length * 2);
    const t = new Float64Array(cap);
    const v = new Float32Array(cap * W);
    for (let k = 0; k < this.len; k++) {
      const i = (this.start + k) % this.t.length;
      t[k] = this.t[i]!;
      v.set(this.v.subarray(i * W, i * W + W), k * W);
    }
    this.t = t;
    this.v = v;
    this.start = 0;
  }

  /** Visit points with from <= t < to, oldest first. */
  forEach(from: number, to: number, fn: (sec: number, v: Float32Array, off: number) => void): void {
    // binary search for the first point >= from
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[(this.start + mid) % this.t.length]! < from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < this.len; k++) {
      const i = (this.start + k) % this.t.length;
      const sec = this.t[i]!;
      if (sec >= to) break;
      fn(sec, this.v, i * W);
    }
  }

  bytes(): number {
    return this.t.byteLength + this.v.byteLength;
  }
}
