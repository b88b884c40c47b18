// TZif (zoneinfo) files, versions 1-3, read the way glibc's tzfile.c uses them: 64-bit data when
// present, the footer POSIX rule for instants after the last transition.
import { parsePosixTz, posixStateAt, type PosixTz, type ZoneState } from "./posix-tz.ts";

export interface TzifZone {
  transitions: Float64Array; // UTC seconds, ascending
  typeIndex: Uint8Array; // ttinfo index in effect from transitions[i]
  types: ZoneState[];
  footer?: PosixTz;
}

export class TzifError extends Error {}

function counts(v: DataView, at: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 6; i++) out.push(v.getUint32(at + 20 + i * 4));
  return out; // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
}

export function parseTzif(buf: Uint8Array, label: string): TzifZone {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = (at: number): boolean => at + 44 <= buf.length && buf[at] === 0x54 && buf[at + 1] === 0x5a && buf[at + 2] === 0x69 && buf[at + 3] === 0x66;
  if (!magic(0)) throw new TzifError(`${label}: not a TZif file`);
  const version = buf[4]!;
  let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(v, 0) as [number, number, number, number, number, number];
  let at = 44;
  let timeSize = 4;
  if (version >= 0x32) {
    // '2' or later: skip the 32-bit block, use the 64-bit one
    at += timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    if (!magic(at)) throw new TzifError(`${label}: truncated TZif v2 header`);
    [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(v, at) as [number, number, number, number, number, number];
    at += 44;
    timeSize = 8;
  }
  const need = timecnt * (timeSize + 1) + typecnt * 6 + charcnt + leap * (timeSize + 4) + isstd + isut;
  if (typecnt === 0 || at + need > buf.length) throw new TzifError(`${label}: truncated TZif data`);
  const transitions = new Float64Array(timecnt);
  for (let i = 0; i < timecnt; i++) {
    transitions[i] = timeSize === 8 ? Number(v.getBigInt64(at + i * 8)) : v.getInt32(at + i * 4);
  }
  at += timecnt * timeSize;
  const typeIndex = buf.slice(at, at + timecnt);
  at += timecnt;
  const raw: { off: number; dst: boolean; idx: number }[] = [];
  for (let i = 0; i < typecnt; i++) {
    raw.push({ off: v.getInt32(at), dst: buf[at + 4] !== 0, idx: buf[at + 5]! });
    at += 6;
  }
  const chars = new TextDecoder("latin1").decode(buf.subarray(at, at + charcnt));
  at += charcnt + leap * (timeSize + 4) + isstd + isut;
  const types = raw.map((r) => {
    const end = chars.indexOf("\0", r.idx);
    return { offset: r.off, isdst: r.dst, abbr: chars.slice(r.idx, end < 0 ? undefined : end) };
  });
  for (const ti of typeIndex) if (ti >= typecnt) throw new TzifError(`${label}: bad type index`);
  const zone: TzifZone = { transitions, typeIndex, types };
  if (timeSize === 8 && buf[at] === 0x0a) {
    const nl = buf.indexOf(0x0a, at + 1);
    if (nl > at) {
      const spec = new TextDecoder("latin1").decode(buf.subarray(at + 1, nl));
      const footer = spec === "" ? undefined : parsePosixTz(spec);
      if (footer) zone.footer = footer;
    }
  }
  return zone;
}

/** Index of the transition in effect at `t` (-1: before the first one). */
function transitionIndex(z: TzifZone, t: number): number {
  let lo = 0,
    hi = z.transitions.length - 1,
    found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (z.transitions[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The state in effect at UTC second `t`, plus the half-open interval it is known to hold for. */
export function tzifStateAt(z: TzifZone, t: number): { state: ZoneState; from: number; until: number } {
  const n = z.transitions.length;
  if (n === 0 || t < z.transitions[0]!) {
    // glibc: the first non-DST type (or the first type if all are DST)
    const first = z.types.find((x) => !x.isdst) ?? z.types[0]!;
    if (n === 0 && z.footer) return posixStateAt(z.footer, t);
    return { state: first, from: -Infinity, until: n === 0 ? Infinity : z.transitions[0]! };
  }
  const i = transitionIndex(z, t);
  if (i === n - 1 && z.footer) {
    const r = posixStateAt(z.footer, t);
    return r.from < z.transitions[i]! ? { ...r, from: z.transitions[i]! } : r;
  }
  return {
    state: z.types[z.typeIndex[i]!]!,
    from: z.transitions[i]!,
    until: i + 1 < n ? z.transitions[i + 1]! : Infinity,
  };
}
