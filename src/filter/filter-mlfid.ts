// Multi-line failure correlation (<F-MLFID>): lines of one connection/session that share an id are
// merged into one failure. Follows fail2ban's Filter._mergeFailure flag logic exactly, because the
// sample tests (and real bans) depend on which line of a session finally counts.
import { TtlCache } from "../system/ttl-cache.ts";

/** A failure's data as fail2ban's fail dict: captured groups (null or undefined when not captured) plus extras. */
export type FailData = Record<string, unknown>;

const NOFAIL = 1;
const FORGET = 2;
const PREV_NOFAIL = 4;
const GAINED = 8;

function truthy(v: unknown): boolean {
  if (typeof v === "string") return v !== ""; // the common case: a captured group
  if (v instanceof Set) return v.size > 0;
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== "" && v !== 0 && v !== false;
}

function pop(d: FailData, key: string): unknown {
  const v = d[key];
  delete d[key];
  return v;
}

function updateUsers(fail: FailData, user: unknown): Set<string> | undefined {
  let users = fail["users"] as Set<string> | undefined;
  if (truthy(user)) {
    if (!truthy(users)) fail["users"] = users = new Set<string>();
    users!.add(String(user));
  }
  return users;
}

/**
 * A new list: the items of a, b and c in order (undefined/null = no items), as Python's list `+`.
 * Arrays are joined by one native concat; anything else (a group that happens to be named like
 * these keys holds a string) is spread item by item, as before.
 */
export function joinLists(a: unknown, b: unknown, c: unknown): string[] {
  const la = a ?? NONE;
  const lb = b ?? NONE;
  const lc = c ?? NONE;
  if (Array.isArray(la) && Array.isArray(lb) && Array.isArray(lc)) return (la as string[]).concat(lb as string[], lc as string[]);
  return [...(la as Iterable<string>), ...(lb as Iterable<string>), ...(lc as Iterable<string>)];
}
const NONE: readonly string[] = [];

export class MlfidCache {
  // fail2ban: at most 100 sessions, each forgotten 5 minutes after it was first seen
  private readonly cache: TtlCache<string, FailData>;

  constructor(now: () => number) {
    this.cache = new TtlCache(100, 5 * 60, now);
  }

  /** The open sessions (structured-clone-able), for moving the filter to a new thread. */
  dump(): [string, FailData, number][] {
    return this.cache.dump();
  }

  load(entries: readonly [string, FailData, number][]): void {
    this.cache.load(entries);
  }

  /** Merges a new match of session `mlfid` into its pending state; returns the merged failure. */
  merge(mlfid: string, fail: FailData, matchedLines: readonly string[]): FailData {
    const cached = this.cache.get(mlfid);
    let users: Set<string> | undefined;
    let flags = 0;
    if (truthy(fail["mlfgained"])) {
      flags |= GAINED | NOFAIL;
      if (!truthy(fail["nofail"])) fail["nofail"] = fail["mlfgained"];
    } else if (truthy(fail["nofail"])) flags |= NOFAIL;
    if (truthy(pop(fail, "mlfforget"))) flags |= FORGET;
    if (cached) {
      users = updateUsers(cached, fail["user"]);
      // only the latest line decides 'nofail' and 'mlfgained'
      if (truthy(pop(cached, "nofail"))) flags |= PREV_NOFAIL;
      if (truthy(pop(cached, "mlfgained"))) flags |= PREV_NOFAIL;
      if (flags & GAINED) delete cached["mlfpending"];
      if ((flags & PREV_NOFAIL) === 0 && !truthy(cached["mlfpending"])) delete cached["matches"];
      for (const k of Object.keys(fail)) {
        const v = fail[k];
        if (v !== null && v !== undefined) cached[k] = v;
      }
      fail = cached;
      if (flags & FORGET) this.cache.delete(mlfid);
    } else if (!(flags & FORGET)) {
      users = updateUsers(fail, fail["user"]);
      this.cache.set(mlfid, fail);
    }
    // pending failures or several users tried: this session is a failure after all
    if (truthy(pop(fail, "mlfpending")) || (users && users.size > 1)) {
      delete fail["nofail"];
      delete fail["mlfgained"];
      flags &= ~(GAINED | NOFAIL);
    }
    if ((flags & NOFAIL) === 0) {
      const prev = pop(fail, "nofail-matches");
      fail["matches"] = joinLists(prev, fail["matches"], (flags & GAINED) === 0 ? matchedLines : undefined);
    } else if ((flags & (NOFAIL | FORGET)) === NOFAIL) {
      fail["nofail-matches"] = joinLists(fail["nofail-matches"], matchedLines, undefined);
    }
    return fail;
  }
}
