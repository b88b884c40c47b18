// fail2ban's regex tags (<HOST>, <F-USER>...</F-USER>, <SKIPLINES>, ...) → Python regex text,
// with fail2ban's exact replacement expressions and rules (server/failregex.py, 1.1.1).

const IP4 = String.raw`(?:\d{1,3}\.){3}\d{1,3}`;
// fail2ban 1.1's IP_6_RE (1.0.2 had `|::` for the second alternative): f2b follows 1.1 (README)
export const IP6 = String.raw`(?:[0-9a-fA-F]{1,4}::?|:){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):)`;

const R_IP4 = String.raw`(?:::f{4,6}:)?(?P<ip4>${IP4})`;
const R_IP6 = `(?P<ip6>${IP6})`;
const R_DNS = String.raw`(?P<dns>[\w\-.^_]*\w)`;
const R_CIDR = String.raw`(?P<cidr>\d+)`;
const R_ADDR = String.raw`\[?(?:${R_IP4}|${R_IP6})\]?`;
const R_HOST = `(?:${R_ADDR}|${R_DNS})`;
const R_SUBNET = String.raw`\[?(?:${R_IP4}|${R_IP6})(?:/${R_CIDR})?\]?`;

/** Tags with a fixed replacement; the "F-X/" forms are the self-closing spellings. */
const STATIC_TAGS: Record<string, string> = {
  IP4: R_IP4,
  "F-IP4/": R_IP4,
  IP6: R_IP6,
  "F-IP6/": R_IP6,
  ADDR: R_ADDR,
  "F-ADDR/": R_ADDR,
  CIDR: R_CIDR,
  "F-CIDR/": R_CIDR,
  SUBNET: R_SUBNET,
  "F-SUBNET/": R_SUBNET,
  DNS: R_DNS,
  "F-DNS/": R_DNS,
  "F-ID/": String.raw`(?P<fid>\S+)`,
  "F-PORT/": String.raw`(?P<fport>\w+)`,
};

/** A tag is "<" optional "/" word-chars-or-dashes optional "/" ">" (Python \w: letters, digits, "_"). */
const TAG_RE = /<\/?[\p{L}\p{N}_-]+\/?>/gu;
const CUSTOM_RE = /^(\/?)F-([A-Z0-9_-]+)$/;

/** fail2ban maps <F-ID> to group "fid" and <F-PORT> to "fport"; other names are lowercased. */
export function tagToGroupName(tag: string): string {
  const t = tag.toLowerCase();
  return t === "id" ? "fid" : t === "port" ? "fport" : t;
}

/** Replaces fail2ban tags in a failregex/ignoreregex/prefregex by Python regex text. */
export function resolveTags(regex: string, useDns = "yes"): string {
  const open = new Set<string>();
  let skiplines = 0;
  return regex.replace(TAG_RE, (tag) => {
    const tn = tag.slice(1, -1);
    if (tn === "HOST") return useDns !== "no" ? R_HOST : R_ADDR;
    if (tn === "SKIPLINES") return String.raw`\n(?P<skiplines${skiplines++}>(?:(?:.*\n)*?))`;
    const fixed = STATIC_TAGS[tn];
    if (fixed !== undefined) return fixed;
    const m = CUSTOM_RE.exec(tn);
    if (!m) return tag;
    const name = m[2]!;
    if (m[1]) return open.has(name) ? ")" : tag; // closing tag without opening stays literal
    open.add(name);
    return `(?P<${tagToGroupName(name)}>`;
  });
}

/** fail2ban rewrites "((?i)x)" and "(?:(?i)x)" to the scoped "(?i:x)" that Python 3.11 requires. */
export function globalToLocalFlags(regex: string): string {
  return regex.replace(/(?<!\\)\((?:\?:)?(\(\?[a-z]+)\)/g, "$1:");
}
