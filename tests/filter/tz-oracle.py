# Oracle for tz.test.ts: glibc's localtime/mktime (through Python's time module) for a set of
# zones and instants, printed as JSON.  Run with /usr/bin/python3.
import json, os, random, sys, time, calendar

zones = json.loads(sys.argv[1])
rnd = random.Random(42)
out = {}
for zone in zones:
    if zone is None:
        os.environ.pop('TZ', None)
    else:
        os.environ['TZ'] = zone
    time.tzset()
    # transitions between 1995 and 2045, found by a daily scan and bisection
    trans = []
    t = calendar.timegm((1995, 1, 1, 0, 0, 0))
    end = calendar.timegm((2045, 1, 1, 0, 0, 0))
    prev = time.localtime(t).tm_gmtoff
    while t < end:
        n = t + 86400
        off = time.localtime(n).tm_gmtoff
        if off != prev:
            lo, hi = t, n
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if time.localtime(mid).tm_gmtoff == prev: lo = mid
                else: hi = mid
            trans.append(hi)
            prev = off
        t = n
    instants = [rnd.randint(-2**31, 2**33) for _ in range(200)]
    walls = []
    for T in trans[:: max(1, len(trans) // 40)]:
        instants += [T - 3601, T - 1, T, T + 1, T + 1799]
        before = time.localtime(T - 1)
        base = calendar.timegm(before[:6])  # wall clock just before the change, read as UTC
        for k in range(-6, 10):
            walls.append(list(time.gmtime(base + 1 + k * 900)[:6]))
    for _ in range(150):
        walls.append(list(time.gmtime(rnd.randint(0, 2**32))[:6]))
    loc = []
    for i in instants:
        tm = time.localtime(i)
        loc.append([i, list(tm[:6]), tm.tm_gmtoff, tm.tm_isdst, tm.tm_zone])
    mk = []
    for w in walls:
        mk.append([w, int(time.mktime(tuple(w) + (0, 0, -1)))])
    out[str(zone)] = {'localtime': loc, 'mktime': mk, 'transitions': len(trans)}
print(json.dumps(out))
