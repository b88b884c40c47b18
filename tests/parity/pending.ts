// Scenario kinds known to differ from fail2ban on this branch, with the issue-9 point that fixes
// them. They still run and must still differ: a pending kind that matches fail2ban fails the
// suite with "remove it from pending.ts", so nothing counts as passed that did not pass.
export const PENDING: Record<string, string> = {
  "history-ban-expired": "issue 9 point 1: history is read as if it happened now, so a ban whose bantime ran out in the past is applied",
  "history-reban": "issue 9 point 1: a ban from history gets the start-up time, so prolonging it on a new offence adds ~0 s instead of the time since",
  "history-stale": "issue 9 point 1: failures older than findtime in the log at start-up are counted",
  "live-old-fresh-file":
    "issue 9 point 1: lines older than findtime that are a file's first content (empty at start) are counted; fail2ban's first read drops them",
  "restart-stale": "issue 9 point 1: failures older than findtime written while stopped are counted at restart",
  ignoreself: "issue 9 point 2: ignoreself (fail2ban's default) is not wired, the host's own addresses are banned",
  "ignoreip-hostname": "issue 9 point 2: host names in ignoreip (localhost) are not resolved",
  "manual-repeat":
    "found by this suite: after a prolonged ban `get JAIL banip --with-time` prints a fractional bantime (86400.189), fail2ban prints %d (src/cli/format.ts)",
};
