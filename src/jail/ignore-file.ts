// fail2ban 1.1's `ignoreip = file:/path` (server/ipdns.py FileIPAddrSet): addresses, networks and
// host names listed in a file, read on first use and again whenever the file changed (checked at
// most once per second); `#` and `;` start comments. A file that cannot be read keeps the last
// list it had and is retried a minute later, with a warning.
import { readFileSync, statSync } from "node:fs";
import type { Clock } from "../system/clock.ts";
import type { Log } from "../system/log.ts";
import { splitWords } from "../config/options.ts";
import { UNI_SPACE } from "../filter/pyre-charset.ts";
import { IPAddr, parseIP } from "../net/address.ts";

/** fail2ban's RE_FILE_IGN_IP: `file:` then an absolute (any number of leading slashes) or relative path. */
const FILE_ENTRY = /^file:(?:\/{0,2}(?=\/(?!\/|.{1,2}\/))|\/{0,2})(.*)$/su;
/** fail2ban's RE_REM_COMMENTS `(?m)(?:^|\s)[\#;].*` with Python's `^`, `\s` and `.`. */
const COMMENT = new RegExp(`(?:(?<![^\\n])|[${UNI_SPACE}])[#;][^\\n]*`, "gu");
const CHECK_EVERY_SEC = 1;
const RETRY_AFTER_ERROR_SEC = 60;

/** The file name of a `file:` ignoreip entry, or null for an ordinary entry. */
export function ignoreFileName(entry: string): string | null {
  const m = FILE_ENTRY.exec(entry.trim());
  return m ? m[1]! : null;
}

/** For `f2b -t`: each `file:` entry whose file cannot be read now, with the reason. */
export function unreadableIgnoreFiles(entries: readonly string[]): { fileName: string; why: string }[] {
  const out: { fileName: string; why: string }[] = [];
  for (const e of entries) {
    const fileName = ignoreFileName(e);
    if (fileName === null) continue;
    try {
      readFileSync(fileName, "utf8");
    } catch (err) {
      out.push({ fileName, why: (err as Error).message });
    }
  }
  return out;
}

/** The entries of an allow-list file's text (fail2ban's splitwords(..., ignoreComments=True)). */
export function parseIgnoreFileText(text: string): string[] {
  return splitWords(text.replace(COMMENT, ""));
}

export interface IgnoreFileContent {
  singles: Set<string>;
  nets: IPAddr[];
  /** Host names (resolved at each check, as ignoreip names are) and other non-address words. */
  names: string[];
}

export class IgnoreFile {
  private content: IgnoreFileContent = { singles: new Set(), nets: [], names: [] };
  private nextCheck = 0;
  private stats = "";

  constructor(
    readonly fileName: string,
    private readonly deps: { clock: Clock; log: Log; jail: string },
  ) {}

  /** How fail2ban lists it (`fail2ban-client get JAIL ignoreip`) and names it in "Ignore IP by ...". */
  get label(): `file:${string}` {
    return `file:${this.fileName.startsWith("/") ? "/" : ""}${this.fileName}`;
  }

  /** The current list: re-read first when the file changed since the last look (at most once a second). */
  current(): IgnoreFileContent {
    const now = this.deps.clock.now();
    if (now <= this.nextCheck) return this.content;
    this.nextCheck = now + CHECK_EVERY_SEC;
    try {
      const st = statSync(this.fileName);
      const stats = `${st.mtimeMs}:${st.ino}:${st.size}`;
      if (stats !== this.stats) {
        this.content = toContent(parseIgnoreFileText(readFileSync(this.fileName, "utf8")));
        this.stats = stats;
      }
    } catch (e) {
      this.nextCheck += RETRY_AFTER_ERROR_SEC;
      this.deps.log.warning(`[${this.deps.jail}] Retrieving IPs set from ${JSON.stringify(this.fileName)} failed: ${(e as Error).message}`);
    }
    return this.content;
  }
}

function toContent(words: string[]): IgnoreFileContent {
  const out: IgnoreFileContent = { singles: new Set(), nets: [], names: [] };
  for (const w of words) {
    const ip = parseIP(w);
    if (ip?.isSingle) out.singles.add(ip.toString());
    else if (ip) out.nets.push(ip);
    else out.names.push(w);
  }
  return out;
}
