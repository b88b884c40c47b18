// Log lines as fail2ban's filter sees them: split around the date text, joined into the search
// buffer, and — for multi-line buffers — divided into the lines a match used and the rest.

/** A log line split as [text before the date, date text, text after the date]. */
export type TupleLine = readonly [pre: string, date: string, post: string];

/** The text regexes are searched in: lines without their date text, each ended by "\n". */
export function tupleLinesBuf(lines: readonly TupleLine[]): string {
  if (lines.length === 1) return lines[0]![0] + lines[0]![2] + "\n";
  let buf = "";
  for (const l of lines) buf += l[0] + l[2] + "\n";
  return buf;
}

/**
 * The search buffer of a prefregex's <F-CONTENT>: content + "\n". Usually the content runs to the
 * end of the line, so that text is already the buffer's tail: a slice of it costs no copy.
 */
export function contentBuffer(buf: string, content: string): string {
  const at = buf.length - 1 - content.length;
  if (at >= 0 && buf.charCodeAt(buf.length - 1) === 10 && buf.startsWith(content, at)) return buf.slice(at);
  return content + "\n";
}

/** The original line text (with its date). */
export function fullLine(l: TupleLine): string {
  return l[0] + l[1] + l[2];
}

export interface LineSplit {
  matched: TupleLine[];
  unmatched: TupleLine[];
}

/** Python's str.splitlines(): every Unicode line boundary, no trailing empty piece. */
export function splitLines(s: string): string[] {
  const parts = s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (parts.length && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

function countNewlines(s: string, end: number): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0 && i < end; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Which of orgLines a match in buf covers (fail2ban Regex.search): the lines spanned by the match,
 * minus lines swallowed by <SKIPLINES>; everything else is "unmatched" and stays buffered.
 */
export function splitByMatch(
  buf: string,
  start: number,
  end: number,
  groups: Readonly<Record<string, string | undefined | null>>,
  orgLines: readonly TupleLine[],
): LineSplit {
  // callers only read `matched` right away, so the caller's array can be shared
  if (orgLines.length <= 1) return { matched: orgLines as TupleLine[], unmatched: [] };
  const lineStart = buf.lastIndexOf("\n", start) + 1;
  // Python's str.index with a negative start counts from the end
  const endFrom = end - 1 < 0 ? buf.length - 1 : end - 1;
  const nl = buf.indexOf("\n", endFrom);
  const lineEnd = nl < 0 ? buf.length : nl + 1;
  const c1 = countNewlines(buf, lineStart);
  const c2 = countNewlines(buf, lineEnd);
  const matched = orgLines.slice(c1, c2);
  const unmatched = orgLines.slice(0, c1);
  let n = 0;
  for (const skipped of splitLines(skippedText(groups))) {
    for (let m = 0; n + m < matched.length; m++) {
      const l = matched[n + m]!;
      if (l[0] + l[2] === skipped) {
        unmatched.push(...matched.splice(n + m, 1));
        n += m;
        break;
      }
    }
  }
  for (const l of orgLines.slice(c2)) unmatched.push(l);
  return { matched, unmatched };
}

function skippedText(groups: Readonly<Record<string, string | undefined | null>>): string {
  let text = "";
  for (let i = 0; `skiplines${i}` in groups; i++) text += groups[`skiplines${i}`] ?? "";
  return text;
}

/**
 * fail2ban's multi-line buffer as one line's search sees it: the lines kept between log lines (at
 * most maxLines), the lines this search began with (matches are split against them), and their
 * text as the regexes search it, joined once per change.
 */
export class LineWindow {
  private lines: TupleLine[] = [];
  private first: TupleLine[] = [];
  private joined: string | null = null;

  constructor(private readonly maxLines: number) {}

  /** A new log line: kept after the previous ones (up to maxLines); a new search begins. */
  push(line: TupleLine): void {
    if (this.maxLines > 1) {
      this.lines.push(line);
      if (this.lines.length > this.maxLines) this.lines = this.lines.slice(-this.maxLines);
    } else this.lines = [line];
    this.first = this.lines;
    this.joined = null;
  }

  /** The text the regexes search. */
  text(): string {
    return (this.joined ??= tupleLinesBuf(this.lines));
  }

  /** The text as it stands, or the search's first text when a match has consumed it (messages). */
  textForMessage(): string {
    return this.joined ?? tupleLinesBuf(this.first);
  }

  /** The prefregex's <F-CONTENT>: from now on the search sees that text alone. */
  narrowTo(content: string): void {
    const text = this.text();
    this.lines = [["", "", content]];
    this.joined = contentBuffer(text, content);
  }

  /** The lines of the search's first text a match at [start, end) covers, and the rest. */
  split(start: number, end: number, groups: Readonly<Record<string, string | undefined | null>>): LineSplit {
    return splitByMatch(this.text(), start, end, groups, this.first);
  }

  /** After a match: only these lines (what it did not use) stay for the next search. */
  keep(lines: TupleLine[]): void {
    this.lines = lines;
    this.joined = null;
  }

  /** The current text is used up: the next search joins the kept lines again. */
  consumed(): void {
    this.joined = null;
  }

  /** The lines kept for the next log line (FilterState). */
  get kept(): TupleLine[] {
    return this.lines;
  }

  set kept(lines: TupleLine[]) {
    this.lines = lines;
    this.joined = null;
  }
}
