# Oracle for jail-options.test.ts: fail2ban 1.0.2's own Filter with setLogTimeZone, as the server
# does for a jail's `logtimezone`. Input (stdin): {"now", "failregex", "zones": [...], "lines": [...]}.
# Output: per zone, "error" when setLogTimeZone refuses it, else each line's failure time (or null).
import json, os, sys, time
os.environ['TZ'] = 'CET-01CEST-02,M3.5.0,M10.5.0'
time.tzset()
from fail2ban.server.mytime import MyTime
from fail2ban.server.filter import Filter

job = json.load(sys.stdin)
MyTime.setTime(job['now'])
out = []
for zone in job['zones']:
    f = Filter(None)
    f.checkFindTime = False  # report the line's own time, as `f2b regex` does
    try:
        f.setLogTimeZone(zone)
    except Exception:
        out.append('error')
        continue
    f.addFailRegex(job['failregex'])
    times = []
    for line in job['lines']:
        found = f.processLine(line)
        times.append(found[0][2] if found else None)
    out.append(times)
print(json.dumps(out))
