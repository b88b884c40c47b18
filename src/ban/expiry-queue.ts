/**
 * Min-heap of (time, key) so the next unban is found in O(log n) even with 100k bans.
 * Entries are never removed in place: a popped entry whose time no longer matches the
 * ban's current due time (prolonged, unbanned) is simply skipped by the caller.
 */
export class ExpiryQueue {
  private heap: Array<{ at: number; key: string }> = [];

  get size(): number {
    return this.heap.length;
  }

  push(at: number, key: string): void {
    if (!Number.isFinite(at)) return;
    const h = this.heap;
    h.push({ at, key });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((h[p] as { at: number }).at <= at) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  peek(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  /** Removes and returns every entry due at or before now. */
  popDue(now: number): Array<{ at: number; key: string }> {
    const out: Array<{ at: number; key: string }> = [];
    while (this.heap.length && (this.heap[0] as { at: number }).at <= now) out.push(this.pop()!);
    return out;
  }

  clear(): void {
    this.heap = [];
  }

  private pop(): { at: number; key: string } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
