# Oracle for date-compat.test.ts: fail2ban 1.0.2's own DateDetector over every sample log line,
# with fail2ban's test settings (TZ CET-01CEST-02,M3.5.0,M10.5.0, now = 1124013600).
# Input (argv[1]): JSON list of [log file, datepattern or null]. Output: JSON results per file.
import json, os, re, sys, time
os.environ['TZ'] = 'CET-01CEST-02,M3.5.0,M10.5.0'
time.tzset()
from fail2ban.server.mytime import MyTime
MyTime.setTime(1124013600)
from fail2ban.server.datedetector import DateDetector

def u16(s, i):
    return len(s[:i].encode('utf-16-le', 'surrogatepass')) // 2

def lines_of(path):
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8', 'replace')
    return [l.rstrip('\r') for l in text.split('\n') if l.rstrip('\r') and not l.startswith('#')]

def run(path, datepattern, lines):
    dd = DateDetector()
    if datepattern:
        for p in filter(bool, map(str.strip, re.split('\n+', datepattern))):
            dd.appendTemplate(p)
    out = []
    for line in lines:
        try:
            m, t = dd.matchTime(line)
        except Exception as e:
            out.append(['error', repr(e)])
            continue
        if not m:
            out.append(None)
            continue
        s, e = m.start(1), m.end(1)
        tm = None
        if e > s:
            try:
                d = dd.getTime(line[s:e], (m, t))
                tm = d[0] if d else None
            except Exception as ex:  # fail2ban lets e.g. KeyError of an unknown zone escape
                tm = None
        out.append([u16(line, s), u16(line, e), tm, t.name])
    return out

jobs = json.loads(sys.argv[1])
result = []
cache = {}
for path, dp in jobs:
    if path not in cache:
        cache[path] = lines_of(path)
    result.append({'file': path, 'datepattern': dp, 'lines': cache[path], 'results': run(path, dp, cache[path])})
print(json.dumps(result))
