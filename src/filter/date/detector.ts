// fail2ban's DateDetector: finds the date of a log line with a list of templates, remembering
// the last winning template and where its date sat in the line (most lines of a log look alike),
// and reordering templates by use. Which date wins on a line with several depends on these
// heuristics, so they follow fail2ban 1.0.2's matchTime/_reorderTemplate step by step.
import { allDefaultTemplates, defaultTemplates } from "./default-templates.ts";
import { cpAt, cpBefore, cpIndex, u16Index } from "./codepoints.ts";
import { zoneOffsetMinutes } from "./strptime.ts";
import { DatePatternError, DateTemplate, LINE_BEGIN, LINE_END, type DateContext } from "./template.ts";
import { anchoredTemplate, cacheTemplate, cachedTemplate, DatePatternRegex, patternTemplate } from "./templates.ts";
import { TimeZone } from "./tz.ts";

export { DatePatternError } from "./template.ts";
export { TimeZone } from "./tz.ts";

/**
 * A date found in a line. `start`/`end` delimit the date text (fail2ban's group 1), which the
 * filter cuts out of the line before applying failregex. `time` is NaN when there is no usable
 * time: an empty match (datepattern {NONE}: fail2ban then uses the last date or now) or text
 * that matched but is not a valid date (fail2ban logs "failed to parse timeText").
 */
export interface DateMatch {
  time: number /* epoch seconds, float */;
  start: number;
  end: number;
  template: string;
}

const RE_DATE_PREMATCH = /(?<!\\)\{DATE\}/gi;
const UNUSED_TIME = 300; // seconds a template may sit unused before others may displace it
const FAR = 0x7fffffff;
const ALNUM = /^[\p{L}\p{N}]$/u;

/** One template in one detector, with this detector's own usage statistics. */
class Entry {
  hits = 0;
  lastUsed = 0;
  distance = FAR; // where in the line this template's date was last found
  constructor(readonly template: DateTemplate) {}
  get name(): string {
    return this.template.name;
  }
  get weight(): number {
    return (this.hits * this.template.weight) / Math.max(1, this.distance);
  }
}

export interface DateDetectorOptions {
  datepattern?: string;
  now: () => number;
  tz?: TimeZone;
  /** fail2ban's logtimezone: zone of dates that carry none ("UTC", "UTC+0200", "CET"...). */
  logtimezone?: string;
  /** Wall clock for template aging (fail2ban uses real time here even under a test clock). */
  wallClock?: () => number;
}

export class DateDetector {
  private readonly entries: Entry[] = [];
  private readonly knownNames = new Set<string>();
  private readonly ctx: DateContext;
  private readonly now: () => number;
  private readonly wallClock: () => number;
  // Where the last date was, in code points as fail2ban counts, and the characters around it.
  private lastDistance = 1;
  // The characters around the last date are read from its line only when needed (the fast path
  // for templates not bound to the line's start or end): most logs never need them.
  private lastLine = "";
  private lastSu = 0;
  private lastEu = 0;
  private lastEnd = FAR;
  private lastIdx = FAR;
  private firstUnused = 0;
  // One-entry conversion cache: busy logs repeat the same timestamp text line after line. The
  // result is a function of (template, text, now) alone, even glibc's stateful mktime, since a
  // repeated call starts from the offset its own previous answer left.
  private convTemplate: DateTemplate | undefined;
  private convText = "";
  private convNow = NaN;
  private convTime = NaN;

  constructor(opts: DateDetectorOptions) {
    this.now = opts.now;
    this.wallClock = opts.wallClock ?? (() => Date.now() / 1000);
    this.ctx = { now: 0, tz: opts.tz ?? TimeZone.local() };
    if (opts.logtimezone !== undefined) {
      const m = zoneOffsetMinutes(opts.logtimezone);
      if (m === undefined) throw new DatePatternError(`Unknown or unsupported time zone: '${opts.logtimezone}'`);
      this.ctx.defaultTzMinutes = m;
    }
    const patterns = (opts.datepattern ?? "")
      .split(/\n+/)
      .map((s) => s.trim())
      .filter(Boolean);
    for (const p of patterns) this.appendPattern(p);
    if (this.entries.length === 0) this.addDefaults();
  }

  /** Templates in their current order, with this detector's hit counts. */
  get templates(): readonly { readonly name: string; readonly hits: number; readonly template: DateTemplate }[] {
    return this.entries;
  }

  /** Whether dates found by the template named `name` can carry their own year (else fail2ban
   *  infers it from "now"); epoch and TAI64N templates always do. */
  templateCarriesYear(name: string): boolean {
    const t = this.entries.find((e) => e.name === name)?.template;
    return t instanceof DatePatternRegex ? t.carriesYear : t !== undefined;
  }

  private append(t: DateTemplate, ignoreDup = false): void {
    if (this.knownNames.has(t.name)) {
      if (ignoreDup) return;
      throw new DatePatternError(`There is already a template with name ${t.name}`);
    }
    this.knownNames.add(t.name);
    this.entries.push(new Entry(t));
  }

  /** fail2ban's appendTemplate for one datepattern line. */
  private appendPattern(pattern: string): void {
    const key = pattern.includes("%") ? pattern : pattern.toUpperCase();
    let t = cachedTemplate(key);
    if (!t) {
      if (key === "{^LN-BEG}" || key === "{DEFAULT}") {
        this.addDefaults(key === "{^LN-BEG}" ? (x) => (x.flags & LINE_BEGIN) !== 0 : undefined);
        return;
      }
      if (key.includes("{DATE}")) {
        this.addDefaults(undefined, pattern);
        return;
      }
      t = key === "{NONE}" ? patternTemplate("{UNB}^", key) : patternTemplate(pattern, key);
    }
    cacheTemplate(key, t);
    this.append(t);
  }

  private addDefaults(filter?: (t: DateTemplate) => boolean, preMatch?: string): void {
    const ignoreDup = this.entries.length > 0;
    for (let t of preMatch === undefined ? allDefaultTemplates() : defaultTemplates()) {
      if (filter && !filter(t)) continue;
      if (preMatch !== undefined) {
        t = anchoredTemplate(t, (s) => preMatch.replace(RE_DATE_PREMATCH, () => DateTemplate.unboundPattern(s)));
      }
      this.append(t, ignoreDup);
    }
  }

  /** The date of `line`, or null when no template matches. */
  matchTime(line: string): DateMatch | null {
    const entries = this.entries;
    const n = entries.length;
    let match: RegExpExecArray | null = null;
    let foundMatch: RegExpExecArray | null = null,
      foundDistance = FAR,
      foundEnd = FAR,
      foundIdx = -1;
    let ignoreBySearch = FAR;
    let i = this.lastIdx;
    let entry: Entry | undefined;
    let distance = 0,
      endpos = 0;
    if (i < n) {
      entry = entries[i]!;
      const template = entry.template;
      if (template.flags & (LINE_BEGIN | LINE_END)) {
        match = template.search(line);
        ignoreBySearch = i;
      } else {
        const d = u16Index(line, this.lastDistance),
          e = u16Index(line, this.lastEnd);
        // same surroundings as last time: search only where the date was
        const pl = this.lastLine,
          su = this.lastSu,
          eu = this.lastEu;
        const lastBefore = cpBefore(pl, su); // char before the last date ("" = none)
        const lastFirst = cpAt(pl, su); // first char of the last date
        // fail2ban reads line[endpos - 1]: for an empty match at 0 that is the line's last character
        const lastLast = eu > 0 ? cpBefore(pl, eu) : cpBefore(pl, pl.length);
        const lastAfter = cpAt(pl, eu); // char after the last date
        if (
          (cpBefore(line, d) === lastBefore || (cpAt(line, d) === lastFirst && !ALNUM.test(lastFirst))) &&
          (cpAt(line, e) === lastAfter || (cpBefore(line, e) === lastLast && !ALNUM.test(lastLast)))
        ) {
          match = template.search(line, d, e);
        } else {
          match = template.search(line);
          ignoreBySearch = i;
        }
      }
      if (match) {
        distance = cpIndex(line, match.index);
        endpos = distance + cpIndex(match[0], match[0].length);
        if (!(n === 1 || template.flags & (LINE_BEGIN | LINE_END) || (distance === this.lastDistance && endpos === this.lastEnd))) {
          // moved within the line: maybe another format now; keep it as a fallback and search
          foundMatch = match;
          foundDistance = distance;
          foundEnd = endpos;
          foundIdx = i;
          match = null;
        }
      }
    }
    if (!match) {
      for (i = 0; i < n; i++) {
        if (i === ignoreBySearch) continue;
        entry = entries[i]!;
        const template = entry.template;
        match = template.search(line);
        if (!match) continue;
        distance = cpIndex(line, match.index);
        endpos = distance + cpIndex(match[0], match[0].length);
        if (i + 1 >= n) break;
        if (template.flags & (LINE_BEGIN | LINE_END)) break;
        if (distance === 0 && entry.hits > 0) break;
        if (distance > entry.distance || distance > this.lastDistance) {
          // found further into the line than usual: maybe a date inside the message; go on
          if (distance < foundDistance) {
            foundMatch = match;
            foundDistance = distance;
            foundEnd = endpos;
            foundIdx = i;
          }
          match = null;
          continue;
        }
        break;
      }
      if (!match && foundMatch) {
        match = foundMatch;
        distance = foundDistance;
        endpos = foundEnd;
        i = foundIdx;
        entry = entries[i]!;
      }
    }
    if (!match || !entry) return null;
    entry.hits++;
    entry.lastUsed = this.wallClock();
    entry.distance = distance;
    if (this.firstUnused === i) this.firstUnused++;
    this.lastDistance = distance;
    this.lastEnd = endpos;
    const su = match.index,
      eu = match.index + match[0].length;
    this.lastLine = line;
    this.lastSu = su;
    this.lastEu = eu;
    const template = entry.template;
    if (i && i !== this.lastIdx) i = this.reorder(i);
    this.lastIdx = i;
    return this.toDateMatch(match, template);
  }

  private toDateMatch(m: RegExpExecArray, template: DateTemplate): DateMatch {
    const [start, end] = template.group1Span(m);
    let time = NaN;
    if (end > start) {
      const now = this.now();
      if (template === this.convTemplate && now === this.convNow && m[0] === this.convText) {
        time = this.convTime;
      } else {
        this.ctx.now = now;
        time = template.getDate(m, this.ctx);
        this.convTemplate = template;
        this.convNow = now;
        this.convText = m[0];
        this.convTime = time;
      }
    }
    return { time, start, end, template: template.name };
  }

  /** fail2ban's _reorderTemplate: bubble a winning template up, fast over unused ones. */
  private reorder(num: number): number {
    const entries = this.entries;
    const e = entries[num]!;
    const untime = e.lastUsed - UNUSED_TIME;
    const weight = e.weight;
    let pos = this.firstUnused < num ? this.firstUnused : num >> 1;
    const moveable = (): boolean => weight > entries[pos]!.weight || untime > entries[pos]!.lastUsed;
    if (!moveable()) {
      if (pos === num - 1) return num;
      pos = num - 1;
      if (!moveable()) return num;
    }
    entries.splice(num, 1);
    entries.splice(pos, 0, e);
    while (this.firstUnused < entries.length && entries[this.firstUnused]!.hits) this.firstUnused++;
    return pos;
  }
}
