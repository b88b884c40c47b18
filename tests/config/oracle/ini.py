# Differential oracle for the INI layer: for each BASEDIR, reads NAME with fail2ban's
# ConfigReaderUnshared (includes, .d/, .local, KNOWN/) and prints every section's options, raw and
# interpolated (or the error class when reading or interpolation fails), as a JSON list.
import json, sys
from fail2ban.client.configreader import ConfigReaderUnshared

def dump_dir(basedir, name):
    cfg = ConfigReaderUnshared(basedir=basedir)
    try:
        ok = cfg.read(name)
    except Exception as e:
        return {"error": type(e).__name__}
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
    return out

name = sys.argv[1]
json.dump([dump_dir(d, name) for d in sys.argv[2:]], sys.stdout)
