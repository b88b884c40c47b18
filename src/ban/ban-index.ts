import { parseIP } from "../net/address.ts";
import { type BanEntry, STATE_RULES } from "./ban-state.ts";
import type { BanInfo } from "./types.ts";

/** "6/64" for a network ban's key, null for an address (or a raw id). */
function netLen(ip: string): string | null {
  if (!ip.includes("/")) return null;
  const n = parseIP(ip);
  return n ? `${n.family}/${n.plen}` : null;
}

/** A jail's current ban entries by address or network key, with the lookup of a network ban that holds an address. */
export class BanIndex {
  private readonly byKey = new Map<string, BanEntry>();
  /** How many network bans have each family/prefix length ("6/64"), so an address inside one is
   *  found by one lookup per length in use (thousands of /64s stay cheap). */
  private readonly netLens = new Map<string, number>();

  get(ip: string): BanEntry | undefined {
    return this.byKey.get(ip);
  }
  has(ip: string): boolean {
    return this.byKey.has(ip);
  }
  entries(): IterableIterator<BanEntry> {
    return this.byKey.values();
  }

  /** The entries that count as current bans (STATE_RULES listed), as BanInfo, ordered by end of ban. */
  listed(): BanInfo[] {
    return [...this.byKey.values()]
      .filter((e) => STATE_RULES[e.state].listed)
      .map(({ ip, time, bantime, banCount, end, ticket }) => ({ ip, time, bantime, banCount, end, ticket }))
      .sort((a, b) => a.end - b.end);
  }
  listedCount(): number {
    let n = 0;
    for (const e of this.byKey.values()) if (STATE_RULES[e.state].listed) n++;
    return n;
  }

  add(e: BanEntry): void {
    this.byKey.set(e.ip, e);
    const len = netLen(e.ip);
    if (len) this.netLens.set(len, (this.netLens.get(len) ?? 0) + 1);
  }

  delete(ip: string): void {
    if (!this.byKey.delete(ip)) return;
    const len = netLen(ip);
    const n = len ? (this.netLens.get(len) ?? 0) - 1 : 0;
    if (len && n > 0) this.netLens.set(len, n);
    else if (len) this.netLens.delete(len);
  }

  /** The banned network (not the address itself) that holds ip, or null. */
  coveringBan(ip: string): string | null {
    if (this.netLens.size === 0) return null;
    const a = parseIP(ip);
    if (!a) return null;
    for (const len of this.netLens.keys()) {
      const [family, plen] = len.split("/").map(Number) as [number, number];
      if (family !== a.family || plen >= a.plen) continue;
      const key = a.truncate(plen).toString();
      const n = this.byKey.get(key);
      if (n && STATE_RULES[n.state].covers) return key;
    }
    return null;
  }
}
