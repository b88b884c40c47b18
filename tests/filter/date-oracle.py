# Oracle for date-compat.test.ts: fail2ban 1.0.2's own DateDetector over every sample log line,
# with fail2ban's test settings (TZ CET-01CEST-02,M3.5.0,M10.5.0, now = 1124013600).
# Input (argv[1], else stdin): JSON list of jobs, each [log file, datepattern or null] or
# {"lines": [...], "datepattern": ..., "now": ..., "logtimezone": ..., "fresh": bool}
# ("fresh": a new detector for every line). Output: JSON results per job.
import json, os, re, sys, time
os.environ['TZ'] = 'CET-01CEST-02,M3.5.0,M10.5.0'
time.tzset()
from fail2ban.server.mytime import MyTime
MyTime.setTime(1124013600)
from fail2ban.server.datedetector import DateDetector

# fail2ban names %Exk/%Exl templates "%Exk" or "Ex%k" depending on set iteration order, i.e. on
# the process's string hash seed; f2b always uses the first form.
def name_of(t):
    return t.name.replace('Ex%k', '%Exk').replace('Ex%l', '%Exl')

def u16(s, i):
    return len(s[:i].encode('utf-16-le', 'surrogatepass')) // 2

def lines_of(path):
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8', 'replace')
    return [l.rstrip('\r') for l in text.split('\n') if l.rstrip('\r') and not l.startswith('#')]

def detector(datepattern, logtz):
    dd = DateDetector()
    if datepattern:
        for p in filter(bool, map(str.strip, re.split('\n+', datepattern))):
            dd.appendTemplate(p)
    if logtz:
        dd.default_tz = logtz
    return dd

def run(datepattern, lines, logtz=None, fresh=False):
    try:
        dd = detector(datepattern, logtz)
    except Exception as e:
        return ['config-error', repr(e)]
    out = []
    for line in lines:
        if fresh:
            dd = detector(datepattern, logtz)
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
        out.append([u16(line, s), u16(line, e), tm, name_of(t)])
    return out

jobs = json.loads(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read())
result = []
cache = {}
for job in jobs:
    if isinstance(job, dict):
        MyTime.setTime(job.get('now', 1124013600))
        # glibc's mktime starts from its previous result's offset: give every job the same start
        time.mktime((2005, 1, 1, 12, 0, 0, 0, 0, -1))
        result.append({'datepattern': job.get('datepattern'), 'lines': job['lines'],
            'results': run(job.get('datepattern'), job['lines'], job.get('logtimezone'), job.get('fresh', False))})
        continue
    path, dp = job
    MyTime.setTime(1124013600)
    if path not in cache:
        cache[path] = lines_of(path)
    result.append({'file': path, 'datepattern': dp, 'lines': cache[path], 'results': run(dp, cache[path])})
print(json.dumps(result))
