# Differential oracle: fail2ban's JailsReader over CONFDIR with every jail force-enabled (the
# code path `fail2ban-client -d` uses, without giving up on missing log files); prints the
# command stream as JSON.
import json, sys
from fail2ban.client.jailsreader import JailsReader

reader = JailsReader(force_enable=True, basedir=sys.argv[1])
if not reader.read(): raise SystemExit("cannot read jails")
reader.getOptions()
json.dump({"stream": reader.convert(allow_no_files=True)}, sys.stdout)
