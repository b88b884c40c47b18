/** Time source and timers, injected so jail and ban logic run under a fake clock in tests. */
export interface Timer {
  cancel(): void;
}
export interface Clock {
  /** Epoch seconds (float). */
  now(): number;
  /** Calls fn once at (or soon after) the given epoch second. */
  setTimer(atEpoch: number, fn: () => void): Timer;
}

// setTimeout overflows above ~24.8 days; longer timers re-arm in steps.
const MAX_DELAY_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now() / 1000,
  setTimer(atEpoch, fn) {
    let handle: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    const arm = (): void => {
      const delay = atEpoch * 1000 - Date.now();
      if (delay > MAX_DELAY_MS) {
        handle = setTimeout(arm, MAX_DELAY_MS);
        return;
      }
      handle = setTimeout(
        () => {
          if (!cancelled) fn();
        },
        Math.max(0, delay),
      );
    };
    arm();
    return {
      cancel() {
        cancelled = true;
        if (handle !== undefined) clearTimeout(handle);
      },
    };
  },
};

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Deterministic clock: time moves only through advance()/set(); due timers fire in time order. */
export class FakeClock implements Clock {
  private t: number;
  private timers: FakeTimer[] = [];
  private seq = 0;

  constructor(start = 1_700_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(atEpoch: number, fn: () => void): Timer {
    const timer: FakeTimer = { at: atEpoch, seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Number of armed, not yet fired timers. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  advance(sec: number): void {
    this.set(this.t + sec);
  }

  /** Moves to an absolute time, firing every timer due on the way (including ones they arm). */
  set(target: number): void {
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: FakeTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      next.cancelled = true;
      next.fn();
    }
    this.t = Math.max(this.t, target);
  }
}
