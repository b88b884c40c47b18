// Human-readable times and durations for the status page, in the server's local time zone
// (the admin reads the page next to the server's logs, which use local time too).

const pad = (n: number): string => String(n).padStart(2, "0");

/** "2026-11-22 10:04:05" in the server's local time. */
export function localTime(epoch: number): string {
  const d = new Date(epoch * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "10:00" in the server's local time. */
export function localHourMinute(epoch: number): string {
  const d = new Date(epoch * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "UTC+01:00" for the server's local offset at `epoch`. */
export function utcOffset(epoch: number): string {
  const off = -new Date(epoch * 1000).getTimezoneOffset();
  const a = Math.abs(off);
  return `UTC${off < 0 ? "-" : "+"}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** "45s", "9m 12s", "2h 05m", "3d 4h"; null → "permanent". */
export function duration(sec: number | null): string {
  if (sec === null || sec < 0) return "permanent";
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** "812 B", "4.2 KiB", "1.3 GiB". */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** "2026-11-22 10:04:05 (3m 12s ago)"; a time ahead of `now` (clock step) reads "(in 5s)". */
export function timeAgo(epoch: number, now: number): string {
  const d = now - epoch;
  return `${localTime(epoch)} (${d >= 0 ? `${duration(d)} ago` : `in ${duration(-d)}`})`;
}
