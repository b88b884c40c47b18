// Log lines that make fail2ban's own (stock, 1.0.2) filters backtrack for seconds, for the tests of
// issue 11 (no line may stall the daemon or slip past it). Each generator takes a size: the cost
// grows exponentially (grafana, dovecot) or quadratically (pam-generic) with it.
import { diskFS } from "../../src/config/fs.ts";
import { loadFilter, type FilterDefinition } from "../../src/config/filter-reader.ts";

/** fail2ban's installed config: the oracle's filters, read at run time (never copied). */
export const STOCK_ROOT = "/etc/fail2ban";

export interface HostileCase {
  /** Stock filter name (filter.d/NAME.conf). */
  filter: string;
  /** Why it is slow. */
  why: string;
  /** A line that must not match (and takes long to say so); `size` scales the cost. */
  line(size: number): string;
  /** The regex that is slow, as `f2b regex` names it. */
  slowRegex: string;
  /** A size that costs roughly 0.3–3 s per line in JavaScriptCore on the test machine. */
  slowSize: number;
  /** A real failure line of the same filter and the address it yields. */
  failure: { line: string; ip: string };
}

export const HOSTILE: readonly HostileCase[] = [
  {
    filter: "grafana",
    why: "(?: uname=…|…| \\S+=(?:\\S*|…))* — every ' uname=x' token matches two alternatives",
    line: (n) => `t=2026-11-22T10:00:00+0000 lvl=eror msg="Invalid username or password"${" uname=x".repeat(n)} remote_addr=203.0.113.7 x`,
    slowRegex: "failregex 1",
    slowSize: 20,
    failure: {
      line: 't=2026-11-22T10:00:00+0000 lvl=eror msg="Invalid username or password" uname=admin error="invalid username or password" remote_addr=203.0.113.8',
      ip: "203.0.113.8",
    },
  },
  {
    filter: "dovecot",
    why: "_bypass_reject_reason (?:: (?:…|[^\\(]+))* — GHSA-33wh-ccjc-p397: [^\\(]+ also eats the next ': '",
    line: (n) => `Nov 22 10:00:00 host dovecot: imap-login: Disconnected${": a".repeat(n)} (auth failed, 1 attempts in 2 secs) rip=203.0.113.7`,
    slowRegex: "failregex 2",
    slowSize: 21,
    failure: {
      line: "Nov 22 10:00:00 host dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<a>, method=PLAIN, rip=203.0.113.9, lip=10.0.0.1, session=<abc>",
      ip: "203.0.113.9",
    },
  },
  {
    filter: "pam-generic",
    why: "common.conf's __prefix_line: (?:\\S+\\s+)? then _daemon \\S+ and (?:\\(\\S+\\))? overlap on '(((…' (quadratic per start)",
    line: (n) => `Nov 22 10:00:00 host ${"(".repeat(n)}\u0001`,
    slowRegex: "prefregex",
    slowSize: 12000,
    failure: {
      line: "Nov 22 10:00:00 host sshd[1]: (pam_unix) authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.10  user=root",
      ip: "203.0.113.10",
    },
  },
];

export function stockFilter(name: string): FilterDefinition {
  return loadFilter(diskFS(STOCK_ROOT), name);
}

/** A pattern that JavaScriptCore gives up on (its backtracking limit) although it matches. */
export const GIVE_UP = { source: "^(a+)+$|^a+b$", text: "a".repeat(30) + "b" };
