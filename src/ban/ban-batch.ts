// Collects the firewall changes of one jail that are decided while the log is being read and
// hands them over as one batch: the changes decided in the same turn of the event loop (one read
// chunk) go in one go, and while a batch is being applied the next one fills up. So a single
// ban waits for nothing but the end of the current turn, and a wave of thousands of bans costs a
// few firewall transactions instead of one each.

/** What one flush hands to the ban manager. */
export interface Batch<A, P> {
  added: A[];
  prolonged: P[];
}

export class BatchQueue<A, P> {
  private added: A[] = [];
  private readonly prolonged = new Set<P>();
  private scheduled = false;
  private running: Promise<void> | null = null;
  private flying = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly apply: (b: Batch<A, P>) => Promise<void>) {}

  /** Changes waiting or being applied. */
  get pending(): number {
    return this.added.length + this.prolonged.size + this.flying;
  }

  add(a: A): void {
    this.added.push(a);
    this.kick();
  }
  /** A prolonged item is applied once per batch however often it was prolonged. */
  prolong(p: P): void {
    this.prolonged.add(p);
    this.kick();
  }

  /** Resolves once nothing is waiting and no batch is being applied. */
  idle(): Promise<void> {
    if (!this.running && !this.scheduled && this.pending === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Resolves once no more than `limit` changes are waiting or being applied (backpressure). */
  async below(limit: number): Promise<void> {
    while (this.pending > limit) await (this.running ?? new Promise<void>((r) => setImmediate(r)));
  }

  private kick(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (this.running) return;
    if (this.added.length + this.prolonged.size === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    const batch: Batch<A, P> = { added: this.added, prolonged: [...this.prolonged] };
    this.added = [];
    this.prolonged.clear();
    this.flying = batch.added.length + batch.prolonged.length;
    this.running = this.apply(batch)
      .catch(() => {})
      .finally(() => {
        this.running = null;
        this.flying = 0;
        // What came in meanwhile goes at the end of this turn, not right now: a firewall that
        // answers within microtasks would otherwise start a batch for every ban or two decided
        // while the jail is still counting the same turn's failures (2-3 element transactions).
        this.kick();
      });
  }
}
