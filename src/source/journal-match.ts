/**
 * fail2ban's `journalmatch` option → match groups for journalctl. Each line of the value is
 * one addjournalmatch call, split like Python's shlex.split; "+" separates OR-ed groups, and
 * separate lines are OR-ed too. Within a group, journalctl ANDs different fields and ORs
 * repeated ones, as python-systemd's add_match does.
 */

/** Python shlex.split (POSIX mode, no comments). Throws on an unclosed quote, as shlex does. */
export function shlexSplit(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else cur += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      // POSIX shlex: inside double quotes only \" and \\ are escapes.
      else if (ch === "\\" && i + 1 < s.length && '\\"'.includes(s[i + 1]!)) cur += s[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\") {
      if (i + 1 >= s.length) throw new Error("no escaped character");
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error("no closing quotation");
  if (inWord) out.push(cur);
  return out;
}

/** Parses a journalmatch value; errors name the offending line. */
export function parseJournalMatch(value: string): string[][] {
  const groups: string[][] = [];
  for (const [n, line] of value.split("\n").entries()) {
    let words: string[];
    try {
      words = shlexSplit(line);
    } catch (err) {
      throw new Error(`journalmatch line ${n + 1}: ${(err as Error).message}: ${line}`);
    }
    let group: string[] = [];
    for (const w of words) {
      if (w === "+") {
        if (group.length) groups.push(group);
        group = [];
      } else if (!/^[A-Z0-9_]+=/.test(w)) {
        throw new Error(`journalmatch line ${n + 1}: "${w}" is not a FIELD=value match`);
      } else group.push(w);
    }
    if (group.length) groups.push(group);
  }
  return groups;
}
