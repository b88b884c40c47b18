// fail2ban's default date formats, in its order (the order decides which date wins on a line).
import type { DateTemplate } from "./template.ts";
import { anchoredTemplate, patternTemplate } from "./templates.ts";

const DEFAULT_PATTERNS = [
  // ISO 8601 / simple date: 2005-01-23T21:59:59.981746, 2005/01/23 21:59:59, syslog-ng 2006.12.21 06:43:20
  "%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\\s*%z)?",
  // asctime, optional weekday, fraction and year: Sun Jan 23 21:59:59.011 2005
  "(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?",
  // asctime with the year after the day: Sun Jan 23 2005 21:59:59.011
  "(?:%a )?%b %d %ExY %k:%M:%S(?:\\.%f)?",
  // 23/01/2005 21:59:59, 23/01/05 21:59:59, 17-07-2008 17:23:25
  "%d(?P<_sep>[-/])%m(?P=_sep)(?:%ExY|%Exy) %k:%M:%S",
  // Apache style: [31/Oct/2006:09:22:55 -0000], 26-Jul-2007 15:20:52.252 +0200
  "%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\\.%f)?(?: %z)?",
  // CPanel: 05/20/2008:01:57:39
  "%m/%d/%ExY:%H:%M:%S",
  // 01-27-2012 16:22:44.252
  "%m-%d-%ExY %k:%M:%S(?:\\.%f)?",
  "EPOCH",
  // time only
  "{^LN-BEG}%H:%M:%S",
  // <09/16/08@05:03:30>
  "^<%m/%d/%Exy@%H:%M:%S>",
  // MySQL: 130322 11:46:11
  "%Exy%Exm%Exd  ?%H:%M:%S",
  // Apache Tomcat: Jan 23, 2005 9:59:59 PM
  "%b %d, %ExY %I:%M:%S %p",
  // ASSP: Apr-27-13 02:33:06
  "^%b-%d-%Exy %k:%M:%S",
  // basic ISO 8601: 20050123T215959, 20050123 215959, 20050123  85959, 20050123-21:59:59 (fail2ban 1.1)
  "%ExY%Exm%Exd(?:-|T|  ?)%ExH:?%ExM:?%ExS(?:[.,]%f)?(?:\\s*%z)?",
  // zone name first (monit): PDT Apr 16 21:05:29
  "(?:%Z )?(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?",
  // zone offset first: +00:00 Jan 23 21:59:59.011 2005
  "(?:%z )?(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?",
  "TAI64N",
];

let base: DateTemplate[] | undefined;
let all: DateTemplate[] | undefined;

/** The default templates alone (what `{DATE}` patterns wrap). */
export function defaultTemplates(): readonly DateTemplate[] {
  return (base ??= DEFAULT_PATTERNS.map((p) => patternTemplate(p)));
}

/** What a detector without datepattern uses: line-start anchored copies first (preferred, weight
 *  100), then the plain templates, like fail2ban's DateDetectorCache. */
export function allDefaultTemplates(): readonly DateTemplate[] {
  if (all) return all;
  const anchored: DateTemplate[] = [];
  const plain: DateTemplate[] = [];
  for (const t of defaultTemplates()) {
    if (!t.name.startsWith("{^LN-BEG}") && !t.name.startsWith("^")) {
      const t2 = anchoredTemplate(t);
      if (t2.name !== t.name) {
        t2.weight = 100;
        anchored.push(t2);
      }
    }
    plain.push(t);
  }
  return (all = [...anchored, ...plain]);
}
