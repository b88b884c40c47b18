// Line statistics and the human report of `f2b regex`, shaped like fail2ban-regex's output.
import type { Filter, FilterFailure } from "../filter/filter.ts";

export interface ReportOptions {
  verbose: number;
  printAllMatched: boolean;
  printAllMissed: boolean;
  printAllIgnored: boolean;
  printNoMissed: boolean;
  printNoIgnored: boolean;
  /** Lines shown before "too many to print" (fail2ban-regex uses maxlines, default 20). */
  maxShown: number;
  /** No "Date template hits" block: fail2ban-regex drops the date detector for the journal
   * unless a datepattern is set. */
  noDateDetector?: boolean;
}

export class RegexStats {
  tested = 0;
  matched = 0;
  missed = 0;
  ignored = 0;
  prefMatched = 0;
  readonly failHits: number[];
  readonly ignoreHits: number[];
  readonly failIds: { fid: string; time: number; multi: boolean }[][];
  readonly matchedLines: string[] = [];
  readonly missedLines: string[] = [];
  readonly ignoredLines: string[] = [];

  constructor(
    failCount: number,
    ignoreCount: number,
    private readonly opts: ReportOptions,
  ) {
    this.failHits = new Array<number>(failCount).fill(0);
    this.ignoreHits = new Array<number>(ignoreCount).fill(0);
    this.failIds = Array.from({ length: failCount }, () => []);
  }

  /** Records one processed line's outcome. */
  add(line: string, found: FilterFailure[], ignored: boolean, prefMatched: boolean): void {
    let reported = 0;
    let nofail = false;
    for (const f of found) {
      this.failHits[f.regexIndex]!++;
      if (this.opts.verbose && f.fid !== null) this.failIds[f.regexIndex]!.push({ fid: f.fid, time: f.time, multi: reported > 1 });
      if (f.data["nofail"]) nofail = true;
      else reported++;
    }
    if (prefMatched) this.prefMatched++;
    const o = this.opts;
    if (ignored || nofail) {
      this.ignored++;
      if (!o.printNoIgnored && (o.printAllIgnored || this.ignored <= o.maxShown + 1)) this.ignoredLines.push(line);
    } else if (reported > 0) {
      this.matched++;
      if (o.printAllMatched) this.matchedLines.push(line);
    } else {
      this.missed++;
      if (!o.printNoMissed && (o.printAllMissed || this.missed <= o.maxShown + 1)) this.missedLines.push(line);
    }
    this.tested++;
  }

  /** A buffered line that a later multi-line match consumed: it counts as matched after all. */
  reclassifyMissed(line: string): void {
    const i = this.missedLines.indexOf(line);
    if (i >= 0) this.missedLines.splice(i, 1);
    if (this.opts.printAllMatched) this.matchedLines.push(line);
    this.matched++;
    this.missed--;
  }
}

function list(out: string[], items: string[], header?: string): void {
  if (!items.length) return;
  out.push(`${header ? `|- ${header}\n` : ""}|  ${items.join("\n|  ")}\n\`-`);
}

function localTimeString(t: number): string {
  if (!Number.isFinite(t)) return "(no time)";
  const d = new Date(t * 1000);
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getDay()]!;
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getMonth()]!;
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${day} ${mon} ${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

export function renderReport(
  filter: Filter,
  failRegexes: readonly string[],
  ignoreRegexes: readonly string[],
  s: RegexStats,
  o: ReportOptions,
  seconds: number,
  slowBlock: readonly string[] = [],
): string {
  const out: string[] = ["", "Results", "======="];
  if (filter.prefRegex) {
    out.push("", `Prefregex: ${s.prefMatched} total`);
    list(out, [filter.prefRegex.regex.resolved]);
  }
  const regexBlock = (title: string, regexes: readonly string[], hits: number[], ids?: RegexStats["failIds"]): void => {
    const lines: string[] = [];
    let total = 0;
    regexes.forEach((re, i) => {
      const n = hits[i] ?? 0;
      total += n;
      if (n || o.verbose) lines.push(`${String(i + 1).padStart(2)}) [${n}] ${re}`);
      if (o.verbose && ids) for (const f of ids[i]!) lines.push(`    ${f.fid}  ${localTimeString(f.time)}${f.multi ? " (multiple regex matched)" : ""}`);
    });
    out.push("", `${title}: ${total} total`);
    list(out, lines, " #) [# of hits] regular expression");
  };
  regexBlock("Failregex", failRegexes, s.failHits, s.failIds);
  regexBlock("Ignoreregex", ignoreRegexes, s.ignoreHits);
  if (!o.noDateDetector) {
    out.push("", "Date template hits:");
    const dates = filter.dateDetector.templates.filter((t) => o.verbose || t.hits).map((t) => `[${t.hits}] ${t.name}`);
    list(out, dates, "[# of hits] date format");
  }
  out.push("", `Lines: ${s.tested} lines, ${s.ignored} ignored, ${s.matched} matched, ${s.missed} missed`);
  out.push(`[processed in ${seconds.toFixed(2)} sec]`, ...slowBlock, "");
  const lineBlock = (kind: string, count: number, lines: string[], all: boolean): void => {
    if (!count) return;
    const header = `${kind[0]!.toUpperCase()}${kind.slice(1)} line(s):`;
    if (count < o.maxShown || all)
      list(
        out,
        lines.map((l) => l.trimEnd()),
        header,
      );
    else out.push(`${header} too many to print.  Use --print-all-${kind} to print all ${count} lines`);
  };
  if (o.printAllMatched) lineBlock("matched", s.matched, s.matchedLines, true);
  if (!o.printNoIgnored) lineBlock("ignored", s.ignored, s.ignoredLines, o.printAllIgnored);
  if (!o.printNoMissed) lineBlock("missed", s.missed, s.missedLines, o.printAllMissed);
  return out.join("\n") + "\n";
}
