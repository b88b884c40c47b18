# Differential oracle: fail2ban's JailsReader over each CONFDIR with every jail force-enabled
# (the code path `fail2ban-client -d` uses, without giving up on missing log files); prints one
# command stream per directory as a JSON list.
import json, sys
from fail2ban.client.jailsreader import JailsReader

out = []
for confdir in sys.argv[1:]:
    reader = JailsReader(force_enable=True, basedir=confdir)
    if not reader.read(): raise SystemExit("cannot read jails in " + confdir)
    reader.getOptions()
    out.append({"stream": reader.convert(allow_no_files=True)})
json.dump(out, sys.stdout)
