// The date step of fail2ban's processLine: split the date text out of a line and decide the
// line's time — its own date, the previous line's (dates may be missing on continuation lines),
// or now — keeping the last date seen across lines.
import type { DateDetector } from "./date/detector.ts";
import type { TupleLine } from "./filter-lines.ts";

export interface TimedLine {
  tuple: TupleLine;
  /** null: no usable time (only when the caller does not substitute now). */
  date: number | null;
  /** The line had no date of its own (fail2ban warns when such a line matches). */
  noDate: boolean;
}

export class LineClock {
  lastDate: number | null = null;
  lastTimeText = "";

  constructor(
    private readonly detector: DateDetector,
    private readonly now: () => number,
  ) {}

  /** A line whose time is known (journal): no date search, the whole line is the message. */
  known(line: string, time: number, timeText: string): TimedLine {
    this.lastTimeText = timeText;
    this.lastDate = time;
    return { tuple: ["", timeText, line], date: time, noDate: false };
  }

  /** Finds the line's date; `nowIfNone`: take now for a dateless line (operation mode). */
  detect(line: string, nowIfNone: boolean): TimedLine {
    let tuple: TupleLine;
    let date: number | null = null;
    const m = this.detector.matchTime(line);
    if (m) {
      tuple = [line.slice(0, m.start), line.slice(m.start, m.end), line.slice(m.end)];
      if (m.end > m.start) {
        // NaN: the date text did not convert (fail2ban logs it and goes on without a date)
        if (Number.isFinite(m.time)) {
          date = m.time;
          this.lastTimeText = tuple[1];
          this.lastDate = date;
        }
      } else if (this.recent()) {
        // optional date missing from this line: continue the previous line's time
        tuple = ["", this.lastTimeText, line];
        date = this.lastDate;
      } else date = this.now();
    } else tuple = ["", "", line];
    if (date !== null) return { tuple, date, noDate: false };
    if (this.recent()) return { tuple: ["", this.lastTimeText, line], date: this.lastDate, noDate: true };
    return { tuple, date: nowIfNone ? this.now() : null, noDate: true };
  }

  private recent(): boolean {
    return this.lastDate !== null && this.lastDate > this.now() - 60;
  }
}
