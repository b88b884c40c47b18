// Local time exactly as glibc computes it for the TZ environment variable: Olson names via
// zoneinfo files, POSIX rule strings, /etc/localtime when TZ is unset, UTC as the last resort.
// fail2ban converts year-less/zone-less log dates with time.mktime, so toEpoch() reproduces
// glibc's mktime(tm_isdst = -1) search, including its choices in DST gaps and overlaps.
import { readFileSync } from "node:fs";
import { civilFromSeconds, wallSeconds, type CivilFields } from "./civil.ts";
import { parsePosixTz, parsePosixTzLenient, posixStateAt, type PosixTz, type ZoneState } from "./posix-tz.ts";
import { parseTzif, tzifStateAt, type TzifZone } from "./tzif.ts";

export type { ZoneState } from "./posix-tz.ts";

export interface LocalFields extends CivilFields {
  offset: number;
  isdst: boolean;
  abbr: string;
}

/** Reads a zoneinfo file; `undefined` when it is missing or unreadable. */
export type ZoneFileReader = (path: string) => Uint8Array | undefined;

const readZoneFile: ZoneFileReader = (path) => {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
};

type Source = { kind: "posix"; tz: PosixTz } | { kind: "tzif"; zone: TzifZone };

const UTC_RULE: PosixTz = { stdName: "UTC", stdOffset: 0 };
let sharedLocal: { key: string | undefined; tz: TimeZone } | undefined;

export class TimeZone {
  /** Where the rules came from, e.g. "zoneinfo:/usr/share/zoneinfo/Europe/Berlin" or "posix:CET-1". */
  readonly description: string;
  private readonly source: Source;
  // Last looked-up interval: log lines arrive in time order, so most lookups hit it.
  private cacheFrom = 1;
  private cacheUntil = 0;
  private cacheState: ZoneState = { offset: 0, isdst: false, abbr: "UTC" };
  // glibc's mktime starts its search from the offset its previous call ended with (a process-wide
  // static there); which of two readings of an ambiguous wall time it returns depends on it.
  private mktimeGuess = 0;

  private constructor(source: Source, description: string) {
    this.source = source;
    this.description = description;
  }

  static utc(): TimeZone {
    return new TimeZone({ kind: "posix", tz: UTC_RULE }, "utc");
  }

  /** The zone glibc would use for this TZ value (default: process.env.TZ; undefined = unset). */
  static fromEnv(tz: string | undefined = process.env.TZ, read: ZoneFileReader = readZoneFile): TimeZone {
    let name = tz;
    if (name === "") name = "Universal";
    if (name !== undefined && name.startsWith(":")) name = name.slice(1);
    const file = name ?? "/etc/localtime";
    if (file !== "") {
      const path = file.startsWith("/") ? file : `${process.env.TZDIR || "/usr/share/zoneinfo"}/${file}`;
      const buf = read(path);
      if (buf) {
        try {
          return new TimeZone({ kind: "tzif", zone: parseTzif(buf, path) }, `zoneinfo:${path}`);
        } catch {
          // not a valid TZif file: glibc then tries the value as a POSIX rule
        }
      }
    }
    if (name === undefined || name === "" || name === "/etc/localtime") return TimeZone.utc();
    const rule = parsePosixTzLenient(name);
    return new TimeZone({ kind: "posix", tz: rule.tz }, rule.valid ? `posix:${name}` : "utc");
  }

  /** One shared instance per TZ value: like glibc's process-wide state, every detector without an
   *  explicit zone then continues the same mktime search history. */
  static local(): TimeZone {
    const key = process.env.TZ;
    if (!sharedLocal || sharedLocal.key !== key) sharedLocal = { key, tz: TimeZone.fromEnv(key) };
    return sharedLocal.tz;
  }

  static fromPosix(spec: string): TimeZone | undefined {
    const rule = parsePosixTz(spec);
    return rule && new TimeZone({ kind: "posix", tz: rule }, `posix:${spec}`);
  }

  /** Offset, DST flag and abbreviation in effect at UTC second `epoch` (like localtime_r). */
  stateAt(epoch: number): ZoneState {
    const t = Math.floor(epoch);
    if (t >= this.cacheFrom && t < this.cacheUntil) return this.cacheState;
    const r = this.source.kind === "posix" ? posixStateAt(this.source.tz, t) : tzifStateAt(this.source.zone, t);
    this.cacheFrom = r.from;
    this.cacheUntil = r.until;
    this.cacheState = r.state;
    return r.state;
  }

  /** Seconds east of UTC at `epoch`. */
  offsetAt(epoch: number): number {
    return this.stateAt(epoch).offset;
  }

  /** Broken-down local time of `epoch` (fractions are dropped, as localtime does). */
  localFields(epoch: number): LocalFields {
    const t = Math.floor(epoch);
    const st = this.stateAt(t);
    return { ...civilFromSeconds(t + st.offset), offset: st.offset, isdst: st.isdst, abbr: st.abbr };
  }

  /**
   * Epoch of a local wall-clock time, as glibc's mktime with tm_isdst = -1 gives it (fields may be
   * out of range, they carry). `fractional` is added to the result unchanged.
   */
  toEpoch(year: number, month: number, day: number, hour: number, min: number, sec: number, fractional = 0): number {
    const requested = wallSeconds(year, month, day, hour, min, Math.min(Math.max(sec, 0), 59));
    const secAdjust = sec - Math.min(Math.max(sec, 0), 59);
    // Probe like __mktime_internal: start from the previous call's offset, then follow the error.
    let t = requested + this.mktimeGuess,
      t1 = t,
      t2 = t;
    let dst2 = false;
    for (let probes = 6; ; ) {
      const st = this.stateAt(t);
      const gt = t + (requested - (t + st.offset));
      if (gt === t) break;
      if (t === t1 && t !== t2 && (dst2 ? 1 : 0) <= (st.isdst ? 1 : 0)) break; // spring-forward gap
      if (--probes === 0) break;
      t1 = t2;
      t2 = t;
      t = gt;
      dst2 = st.isdst;
    }
    this.mktimeGuess = t - requested;
    return t + secAdjust + fractional;
  }
}
