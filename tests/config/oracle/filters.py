# Differential oracle: loads filters through fail2ban's own FilterReader and prints, as JSON,
# what its convert() stream sends to the server. Usage: filters.py CONFDIR SAMPLE_LOG_DIR
import json, os, re, sys
from fail2ban.client.filterreader import FilterReader

confdir, logdir = sys.argv[1], sys.argv[2]

def option_sets(name):
    """{} plus every filterOptions set the sample log uses (fileOptions merged, test.* dropped)."""
    sets, files, common = [{}], [name], {}
    i = 0
    while i < len(files):
        path = os.path.join(logdir, files[i]); i += 1
        if not os.path.isfile(path): continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                m = re.match(r"^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$", line.rstrip("\n"))
                if not m: continue
                try: data = json.loads(m.group(2))
                except ValueError: continue
                if m.group(1) == "fileOptions": common = data
                elif m.group(1) == "addFILE": files.append(data)
                elif m.group(1) == "filterOptions":
                    for d in (data if isinstance(data, list) else [data]):
                        o = dict(common); o.update(d)
                        o = {k: v for k, v in o.items() if not k.startswith("test.")}
                        if o not in sets: sets.append(o)
    return sets

out = []
names = sorted(f[:-5] for f in os.listdir(os.path.join(confdir, "filter.d")) if f.endswith(".conf"))
for name in names:
    for opts in option_sets(name):
        rec = {"filter": name, "opts": opts}
        try:
            r = FilterReader(name, "jail", dict(opts), basedir=confdir)
            if not r.read(): raise ValueError("not read")
            r.getOptions({})
            res = {"failregex": [], "ignoreregex": [], "journalmatch": []}
            for cmd in r.convert():
                vals = cmd[3] if cmd[0] == "multi-set" else cmd[3:]
                key = cmd[2]
                if key in ("addfailregex", "addignoreregex"): res[key[3:]] += vals
                elif key == "addjournalmatch": res["journalmatch"].append(vals)
                else: res[key] = vals[0]
            rec["result"] = res
            # What a jail merges as known/…: combined options after getOptions(all=True).
            r2 = FilterReader(name, "jail", dict(opts), basedir=confdir)
            r2.read()
            r2.getOptions({"enabled": True}, all=True)
            # (without None values: fail2ban keeps its 7 options as None when [Definition] is missing)
            rec["combinedAll"] = sorted(k for k, v in r2.getCombined().items() if v is not None)
        except Exception as e:
            rec["error"] = "%s: %s" % (type(e).__name__, e)
        out.append(rec)
json.dump(out, sys.stdout)
