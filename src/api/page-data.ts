// What the status page shows, gathered from the Controller in one place so rendering is a pure
// function of this model (and testable without a server).
import { hostname } from "node:os";
import type { ClusterStatus } from "../cluster/cluster.ts";
import type { BanEvent, BanInfo, Controller, FailingEntry, JailHealth, JailSettingsView, JailStatus, ServerEvent } from "./controller.ts";

export const HOUR = 3600;
export const CHART_HOURS = 24;

export interface HourBucket {
  /** Epoch seconds of the bucket's start (a whole UTC hour). */
  start: number;
  /** Bans per jail that started in this hour. */
  perJail: Map<string, number>;
  total: number;
}

export interface JailView {
  status: JailStatus;
  /** null: the server could not say (the jail went away mid-request); the status's problems stand in. */
  health: JailHealth | null;
  settings: JailSettingsView | null;
  /** Closest to a ban first; null: they could not be read. */
  failing: FailingEntry[] | null;
}

export interface PageModel {
  version: string;
  /** The machine's name: admins open several of these pages. */
  host: string;
  now: number;
  jails: JailView[];
  /** Newest first; null: the event log could not be read. */
  events: ServerEvent[] | null;
  /** Current bans, most recent first. */
  bans: BanInfo[];
  hours: HourBucket[];
  /** "history": every ban of the last 24 h; "current": only bans still in force (no history). */
  historySource: "history" | "current";
  /** Jail → colour, stable for jails and chart alike. */
  colors: Map<string, string>;
  /** Ban sharing ([cluster]); null when it is off (or the server could not say). */
  cluster: ClusterStatus | null;
}

// Distinguishable on white, colour-blind-friendlier ordering (Okabe–Ito first).
const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#6a3d9a", "#8c564b", "#b8860b", "#17becf"];

export function bucketize(events: readonly BanEvent[], now: number): HourBucket[] {
  const first = Math.floor(now / HOUR) * HOUR - (CHART_HOURS - 1) * HOUR;
  const hours: HourBucket[] = Array.from({ length: CHART_HOURS }, (_, i) => ({ start: first + i * HOUR, perJail: new Map(), total: 0 }));
  for (const e of events) {
    const i = Math.floor((e.time - first) / HOUR);
    if (!(i >= 0 && i < CHART_HOURS)) continue;
    const h = hours[i]!;
    h.perJail.set(e.jail, (h.perJail.get(e.jail) ?? 0) + 1);
    h.total++;
  }
  return hours;
}

export function assignColors(names: Iterable<string>): Map<string, string> {
  const colors = new Map<string, string>();
  for (const n of [...new Set(names)].sort()) colors.set(n, PALETTE[colors.size % PALETTE.length]!);
  return colors;
}

/** Recent events shown on the overview. */
export const EVENT_ROWS = 50;

const orNull = async <T>(f: () => T | Promise<T>): Promise<T | null> => {
  try {
    return await f();
  } catch {
    return null;
  }
};

async function loadJail(ctl: Controller, status: JailStatus, failing: readonly FailingEntry[] | null): Promise<JailView> {
  const [health, settings] = await Promise.all([orNull(() => ctl.jailHealth(status.name)), orNull(() => ctl.jailSettings(status.name))]);
  return { status, health, settings, failing: failing?.filter((f) => f.jail === status.name) ?? null };
}

export async function loadPageModel(ctl: Controller, now: number): Promise<PageModel> {
  const [version, { jails: names }, bans, failing, events, cluster] = await Promise.all([
    ctl.version(),
    ctl.status(),
    ctl.banned(),
    orNull(() => ctl.failing()),
    orNull(() => ctl.events({ limit: EVENT_ROWS })),
    ctl.cluster ? orNull(() => ctl.cluster!()) : null,
  ]);
  // A jail removed by a reload between the two calls is simply left out.
  const settled = await Promise.allSettled(names.map(async (n) => loadJail(ctl, await ctl.jailStatus(n), failing)));
  const jails = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const since = Math.floor(now / HOUR) * HOUR - (CHART_HOURS - 1) * HOUR;
  // Without a readable history (none offered, or the database failed) the chart shows current bans.
  const history = ctl.banHistory ? await orNull(() => ctl.banHistory!(since)) : null;
  const hours = bucketize(history ?? bans.map((b) => ({ jail: b.jail, ip: b.ip, time: b.timeOfBan })), now);
  return {
    version,
    host: hostname(),
    now,
    jails,
    events,
    bans: [...bans].sort((a, b) => b.timeOfBan - a.timeOfBan || a.ip.localeCompare(b.ip)),
    hours,
    historySource: history ? "history" : "current",
    colors: assignColors([...names, ...hours.flatMap((h) => [...h.perJail.keys()])]),
    cluster,
  };
}
