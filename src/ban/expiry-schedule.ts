import type { Clock, Timer } from "../system/clock.ts";
import { ExpiryQueue } from "./expiry-queue.ts";

/** The due times of a jail's bans and one clock timer armed for the earliest; `onDue` runs when it fires. */
export class ExpirySchedule {
  private readonly queue = new ExpiryQueue();
  private timer: Timer | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: () => void,
  ) {}

  /** Queues a due time (Infinity: never) and re-arms the timer when it is the earliest. */
  add(at: number, key: string): void {
    this.queue.push(at, key);
    this.arm();
  }

  /** Many at once (restore, reload): the timer is armed once at the end. */
  addAll(dues: Iterable<{ at: number; key: string }>): void {
    for (const d of dues) this.queue.push(d.at, d.key);
    this.arm();
  }

  /** Keys due at or before now; stale ones (prolonged, unbanned) are for the caller to skip. Re-arms the timer. */
  takeDue(now: number): string[] {
    const keys = this.queue.popDue(now).map((d) => d.key);
    this.arm();
    return keys;
  }

  /** Cancels the timer and forgets every due time. */
  clear(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = Infinity;
    this.queue.clear();
  }

  private arm(): void {
    const at = this.queue.peek();
    if (at === this.timerAt) return;
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = at;
    if (Number.isFinite(at)) {
      this.timer = this.clock.setTimer(at, () => {
        this.timer = null;
        this.timerAt = Infinity;
        this.onDue();
      });
    }
  }
}
