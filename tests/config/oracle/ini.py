# Differential oracle for the INI layer: reads NAME under BASEDIR with fail2ban's
# ConfigReaderUnshared (includes, .d/, .local, KNOWN/) and prints every section's options, raw
# and interpolated (or the error class when interpolation fails), as JSON.
import json, sys
from fail2ban.client.configreader import ConfigReaderUnshared

basedir, name = sys.argv[1], sys.argv[2]
cfg = ConfigReaderUnshared(basedir=basedir)
ok = cfg.read(name)
out = {"ok": bool(ok), "sections": {}}
def dump(section, keys):
    res = {}
    for k in keys:
        raw = cfg.get(section, k, raw=True)
        try:
            val = cfg.get(section, k)
        except Exception as e:
            val = {"error": type(e).__name__}
        res[k] = {"raw": raw, "value": val}
    return res
out["sections"]["DEFAULT"] = dump("DEFAULT", list(cfg.get_defaults().keys()))
for s in cfg.sections():
    out["sections"][s] = dump(s, list(cfg.get_sections()[s].keys()))
json.dump(out, sys.stdout)
