// TimeZone against glibc itself (through /usr/bin/python3's time module): localtime and
// mktime(isdst=-1) for POSIX rule strings, Olson zones and odd cases, around every DST edge.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { TimeZone } from "../../src/filter/date/tz.ts";

const PY = "/usr/bin/python3";
const ZONES = [
  "CET-01CEST-02,M3.5.0,M10.5.0",
  "Europe/Berlin",
  ":Europe/London",
  "America/New_York",
  "Australia/Sydney",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "America/Sao_Paulo",
  "Pacific/Apia",
  "Europe/Moscow",
  "America/St_Johns",
  "<+03>-3",
  "<-0330>3:30<-0230>,M3.2.0,M11.1.0",
  "EST5EDT",
  "EST5EDT4,J60/2,300/3",
  "XYZ3ABC,M3.2.0/-1,M11.1.0/26",
  "AEST-10AEDT,M10.1.0,M4.1.0/3",
  "UTC",
  "",
  "Not/AZone",
  "NOPE",
  // TZif v3 footers with extended rule times, 45-minute offsets, permanent-offset footers
  "America/Nuuk",
  "Asia/Jerusalem",
  "America/Santiago",
  "Africa/Casablanca",
  "Pacific/Chatham",
  v1OnlyCopy("/usr/share/zoneinfo/Europe/Berlin"),
].filter((z): z is string => z !== undefined);

/** A version-1 TZif file (32-bit data, no footer) made from the first block of a v2+ file. */
function v1OnlyCopy(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const b = readFileSync(path);
  const c = (i: number): number => b.readUInt32BE(20 + i * 4);
  const [isut, isstd, leap, timecnt, typecnt, charcnt] = [c(0), c(1), c(2), c(3), c(4), c(5)];
  const len = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
  const v1 = Buffer.from(b.subarray(0, len));
  v1[4] = 0;
  const dir = mkdtempSync(`${tmpdir()}/f2b-tz-`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const out = `${dir}/Berlin-v1`;
  writeFileSync(out, v1);
  return out;
}

const havePython = existsSync(PY);
if (!havePython) console.warn(`tz.test: ${PY} missing, glibc differential skipped`);

describe.skipIf(!havePython)("TimeZone matches glibc", () => {
  // One process per zone: glibc's mktime carries state from call to call (see TimeZone.toEpoch).
  type Oracle = { localtime: [number, number[], number, number, string][]; mktime: [number[], number][]; transitions: number };
  const oracle: Record<string, Oracle> = {};
  for (const zone of ZONES) {
    const proc = Bun.spawnSync([PY, `${import.meta.dir}/tz-oracle.py`, JSON.stringify([zone])]);
    if (proc.exitCode !== 0) throw new Error(proc.stderr.toString());
    Object.assign(oracle, JSON.parse(proc.stdout.toString()));
  }

  for (const zone of ZONES) {
    test(`${JSON.stringify(zone.replace(/^\/tmp\/[^/]*\//, "tmp:"))}`, () => {
      const tz = TimeZone.fromEnv(zone);
      const data = oracle[zone]!;
      const bad: string[] = [];
      for (const [t, fields, off, isdst, abbr] of data.localtime) {
        const f = tz.localFields(t);
        const got = [f.year, f.month, f.day, f.hour, f.minute, f.second];
        if (JSON.stringify(got) !== JSON.stringify(fields) || f.offset !== off || f.isdst !== isdst > 0 || f.abbr !== abbr) {
          bad.push(`localtime(${t}): got ${got} ${f.offset} ${f.isdst} ${f.abbr}, glibc ${fields} ${off} ${isdst} ${abbr}`);
        }
      }
      for (const [w, expected] of data.mktime) {
        const got = tz.toEpoch(w[0]!, w[1]!, w[2]!, w[3]!, w[4]!, w[5]!);
        if (got !== expected) bad.push(`mktime(${w}): got ${got}, glibc ${expected}`);
      }
      console.log(
        `tz ${JSON.stringify(zone)}: ${data.localtime.length} localtime + ${data.mktime.length} mktime checks, ` +
          `${data.transitions} transitions 1995-2045, ${bad.length} mismatches`,
      );
      expect(bad.slice(0, 10)).toEqual([]);
    });
  }
});

describe("TimeZone basics", () => {
  test("unset TZ reads /etc/localtime, empty TZ is UTC", () => {
    expect(TimeZone.fromEnv("").offsetAt(1124013600)).toBe(0);
    expect(TimeZone.fromEnv("").stateAt(0).abbr).toBe("UTC");
    expect(TimeZone.fromEnv(undefined).description).toMatch(/localtime|utc/);
  });
  test("fail2ban's test zone: CEST in August 2005, CET in January", () => {
    const tz = TimeZone.fromEnv("CET-01CEST-02,M3.5.0,M10.5.0");
    expect(tz.offsetAt(1124013600)).toBe(7200);
    expect(tz.offsetAt(1104537600)).toBe(3600);
    expect(tz.toEpoch(2005, 8, 14, 12, 0, 0)).toBe(1124013600);
    expect(tz.toEpoch(2005, 8, 14, 12, 0, 0, 0.25)).toBe(1124013600.25);
  });
  test("gap and overlap follow glibc: 02:30 on spring-forward day is 03:30 CEST, fall-back picks CET", () => {
    const tz = TimeZone.fromEnv("CET-01CEST-02,M3.5.0,M10.5.0");
    expect(tz.toEpoch(2005, 3, 27, 2, 30, 0)).toBe(1111887000);
    expect(tz.toEpoch(2005, 10, 30, 2, 30, 0)).toBe(1130635800);
  });
  test("garbage TZ falls back to UTC without throwing", () => {
    for (const s of ["<", "<ab>", "A", "ABC", "ABC+", "\0\0", "x".repeat(10000), "../../etc/passwd"]) {
      expect(TimeZone.fromEnv(s).offsetAt(0)).toBe(0);
    }
  });
});
