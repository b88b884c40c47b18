// f2b's own `[cluster]` section of fail2ban.conf/.local: off unless `url` or `urlfile` is set.
// Secrets (the Redis URL with its password, the signing key) may live in files readable by their
// owner only, like [api] tokenfile; every bad value is reported with the file and line that set it.
import { readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { ConfigError } from "../config/errors.ts";
import type { Fail2banConf } from "../config/fail2ban-conf.ts";
import { parseTime } from "../jail/time.ts";

export interface ClusterConfig {
  /** redis://, rediss:// (TLS), valkey:// or valkeys:// URL, credentials included. */
  url: string;
  /** This host's name in messages (origin); never applies its own messages. */
  hostid: string;
  /** Jails whose bans are published and whose remote bans are applied; null = all (`*`). */
  share: Set<string> | null;
  /** Key prefix: the stream is `<prefix>:bans`, so two fleets can share one Redis. */
  prefix: string;
  /** Shared HMAC-SHA256 key. */
  key: Buffer;
  /** Jail that takes remote bans of jails this host does not run. */
  jail: string;
  /** Stream bound: about this many entries (XADD MAXLEN ~) ... */
  maxlen: number;
  /** ... and none older than this many seconds (XTRIM MINID ~). */
  maxage: number;
  /** Remote bans accepted per peer per hour (token bucket; the full amount may come at once). */
  peerlimit: number;
}

const MIN_KEY = 16;
const URL_RE = /^(redis|rediss|valkey|valkeys)(\+tls)?(\+unix)?:\/\/\S+$/u;
const NAME_RE = /^[\w.:-]+$/u;

type Where = { file?: string; line?: number };

/** Reads a secret from a file only its owner may read. */
function readPrivate(path: string, at: Where, field: string): string {
  try {
    if ((statSync(path).mode & 0o077) !== 0) throw new Error("it is readable by others than its owner (chmod 600)");
    return readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new ConfigError(`[cluster] ${field} ${path}: ${(e as Error).message}`, at);
  }
}

export function clusterConfig(conf: Fail2banConf, defaultHost: string = hostname()): ClusterConfig | undefined {
  const sect = conf.sections["cluster"];
  if (!sect) return undefined;
  const fallback: Where = { file: conf.files.at(-1) ?? "fail2ban.conf" };
  const at = (opt: string): Where => conf.where?.["cluster"]?.[opt] ?? fallback;
  const get = (opt: string): string => (sect[opt] ?? "").trim();
  const bad = (opt: string, what: string): ConfigError => new ConfigError(`[cluster] ${opt}: ${what}`, at(opt), get(opt));
  const enabled = get("enabled");
  if (/^(0|no|false|off)$/iu.test(enabled)) return undefined;
  let url = get("url");
  if (!url && get("urlfile")) url = readPrivate(get("urlfile"), at("urlfile"), "urlfile");
  if (!url) {
    if (enabled) throw new ConfigError("[cluster] is enabled but has neither url = nor urlfile =", at("enabled"));
    return undefined;
  }
  // The URL may carry a password: never echo it.
  if (!URL_RE.test(url))
    throw new ConfigError(
      `[cluster] ${sect["url"] ? "url" : "urlfile"}: expected redis://[user:password@]host[:port][/db] or rediss:// (TLS)`,
      at(sect["url"] ? "url" : "urlfile"),
    );
  const hostid = get("hostid") || defaultHost;
  if (!NAME_RE.test(hostid)) throw bad("hostid", "letters, digits and . _ : - only");
  const shareText = get("share") || "*";
  const names = shareText.split(/[\s,]+/u).filter(Boolean);
  if (names.some((n) => n !== "*" && !NAME_RE.test(n))) throw bad("share", "expected jail names separated by commas, or *");
  const prefix = get("prefix") || "f2b";
  if (!NAME_RE.test(prefix)) throw bad("prefix", "letters, digits and . _ : - only");
  const keyfile = get("keyfile");
  if (!keyfile) throw new ConfigError("[cluster] keyfile = is required (the shared signing key; messages are never accepted unsigned)", at("url"));
  const key = readPrivate(keyfile, at("keyfile"), "keyfile");
  if (key.length < MIN_KEY) throw new ConfigError(`[cluster] keyfile ${keyfile}: the key must have at least ${MIN_KEY} characters`, at("keyfile"));
  const jail = get("jail") || "cluster";
  if (!NAME_RE.test(jail)) throw bad("jail", "expected a jail name");
  const int = (opt: string, dflt: number, min: number): number => {
    const t = get(opt);
    if (!t) return dflt;
    const n = Number(t);
    if (!Number.isInteger(n) || n < min) throw bad(opt, `expected a whole number of at least ${min}`);
    return n;
  };
  let maxage = 86400;
  if (get("maxage")) {
    try {
      maxage = parseTime(get("maxage"));
    } catch (e) {
      throw bad("maxage", (e as Error).message);
    }
    if (!(maxage > 0)) throw bad("maxage", "expected a positive time (e.g. 1d)");
  }
  return {
    url,
    hostid,
    share: names.includes("*") ? null : new Set(names),
    prefix,
    key: Buffer.from(key, "utf8"),
    jail,
    maxlen: int("maxlen", 100_000, 1000),
    maxage,
    peerlimit: int("peerlimit", 20_000, 1),
  };
}
