// What the status page shows, gathered from the Controller in one place so rendering is a pure
// function of this model (and testable without a server).
import { hostname } from "node:os";
import type { BanEvent, BanInfo, Controller, JailStatus, JailValue } from "./controller.ts";
import { duration } from "./page-format.ts";

export const HOUR = 3600;
export const CHART_HOURS = 24;

export interface HourBucket {
  /** Epoch seconds of the bucket's start (a whole UTC hour). */
  start: number;
  /** Bans per jail that started in this hour. */
  perJail: Map<string, number>;
  total: number;
}

/** An address failing in a jail, not (yet) banned. */
export interface FailingView {
  ip: string;
  failures: number;
  firstSeen: number;
  lastSeen: number;
}

/** The settings an admin checks first when a jail bans too much or too little. */
export interface SettingsView {
  maxretry: number | null;
  findtime: number | null;
  /** Seconds; -1 = permanent. */
  bantime: number | null;
  /** "off", or how the ban time grows ("factor 2, at most 1w"). */
  increment: string;
  ignoreip: string[];
  actions: string[];
}

/** One watched file as the jail reads it. */
export interface FileView {
  path: string;
  /** null: unknown (not offered by the server, or the file is missing). */
  size: number | null;
  position: number | null;
  lastLineTime: number | null;
}

export interface SourceView {
  files: FileView[];
  /** Journal jails only. */
  journalMatch?: string;
  lastEntryTime: number | null;
  /** Why the jail reads nothing or not everything (missing, empty, unreadable, action failed). */
  problems: string[];
}

export interface JailView {
  status: JailStatus;
  /** null: the server does not say (then the page says so instead of showing an empty list). */
  failing: FailingView[] | null;
  settings: SettingsView | null;
  source: SourceView;
}

export interface EventView {
  time: number;
  /** ban, unban, prolong, restore, reconcile, reload, error, … */
  kind: string;
  jail?: string;
  ip?: string;
  detail: string;
}

export interface PageModel {
  version: string;
  /** The machine's name: admins open several of these pages. */
  host: string;
  now: number;
  jails: JailView[];
  /** Most recent first; null: the server keeps no event log. */
  events: EventView[] | null;
  /** Current bans, most recent first. */
  bans: BanInfo[];
  hours: HourBucket[];
  /** "history": every ban of the last 24 h; "current": only bans still in force (no history). */
  historySource: "history" | "current";
  /** Jail → colour, stable for jails and chart alike. */
  colors: Map<string, string>;
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

const num = (v: JailValue): number | null => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : null);
const list = (v: JailValue): string[] => (Array.isArray(v) ? v : typeof v === "string" && v !== "" ? [v] : []);

/** The settings through `get`, as `f2b get JAIL KEY` reads them; null when the jail went away. */
export async function loadSettings(ctl: Controller, jail: string): Promise<SettingsView | null> {
  const keys = ["maxretry", "findtime", "bantime", "ignoreip", "actions", "bantime.increment", "bantime.factor", "bantime.multipliers", "bantime.maxtime"] as const;
  const got = await Promise.all(keys.map(async (k) => ctl.get(jail, k))).catch(() => null);
  if (!got) return null;
  const v = Object.fromEntries(keys.map((k, i) => [k, got[i]!])) as Record<(typeof keys)[number], JailValue>;
  const grows = [
    list(v["bantime.multipliers"]).join(" ") ? `multipliers ${list(v["bantime.multipliers"]).join(" ")}` : `factor ${String(v["bantime.factor"] ?? 1)}`,
    num(v["bantime.maxtime"]) !== null ? `at most ${duration(num(v["bantime.maxtime"]))}` : "",
  ].filter(Boolean).join(", ");
  return {
    maxretry: num(v.maxretry),
    findtime: num(v.findtime),
    bantime: num(v.bantime),
    increment: v["bantime.increment"] === true || v["bantime.increment"] === "true" ? `on: ${grows}` : "off",
    ignoreip: list(v.ignoreip),
    actions: list(v.actions),
  };
}

/** What `status` says about the source, for servers that say no more. */
export function sourceFromStatus(j: JailStatus): SourceView {
  return {
    files: (j.filter.fileList ?? []).map((path) => ({ path, size: null, position: null, lastLineTime: null })),
    ...(j.filter.journalMatches !== undefined ? { journalMatch: j.filter.journalMatches } : {}),
    lastEntryTime: null,
    problems: j.filter.problems ?? [],
  };
}

async function loadJail(ctl: Controller, status: JailStatus): Promise<JailView> {
  return { status, failing: null, settings: await loadSettings(ctl, status.name), source: sourceFromStatus(status) };
}

export async function loadPageModel(ctl: Controller, now: number): Promise<PageModel> {
  const [version, { jails: names }, bans] = await Promise.all([ctl.version(), ctl.status(), ctl.banned()]);
  // A jail removed by a reload between the two calls is simply left out.
  const settled = await Promise.allSettled(names.map(async (n) => loadJail(ctl, await ctl.jailStatus(n))));
  const jails = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const since = Math.floor(now / HOUR) * HOUR - (CHART_HOURS - 1) * HOUR;
  // Without a readable history (none offered, or the database failed) the chart shows current bans.
  const history = ctl.banHistory ? await (async () => ctl.banHistory!(since))().catch(() => null) : null;
  const events = history ?? bans.map((b) => ({ jail: b.jail, ip: b.ip, time: b.timeOfBan }));
  const hours = bucketize(events, now);
  return {
    version,
    host: hostname(),
    now,
    jails,
    events: null,
    bans: [...bans].sort((a, b) => b.timeOfBan - a.timeOfBan || a.ip.localeCompare(b.ip)),
    hours,
    historySource: history ? "history" : "current",
    colors: assignColors([...names, ...hours.flatMap((h) => [...h.perJail.keys()])]),
  };
}
