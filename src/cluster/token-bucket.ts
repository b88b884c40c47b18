// Per-peer rate limit on accepted bans: a bucket of `capacity` tokens per peer, refilled at `rate`
// per second, so a peer may send its whole allowance at once (a real attack wave) but no more.
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly rate: number,
    private readonly now: () => number,
  ) {}

  take(peer: string): boolean {
    const now = this.now();
    const b = this.buckets.get(peer) ?? { tokens: this.capacity, at: now };
    b.tokens = Math.min(this.capacity, b.tokens + (now - b.at) * this.rate);
    b.at = now;
    this.buckets.set(peer, b);
    if (b.tokens < 1) return false;
    b.tokens--;
    return true;
  }
}
