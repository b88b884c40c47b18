# Resolved datepattern of every filter in CONFDIR/filter.d (argv[1], default /etc/fail2ban) that
# sets one (fail2ban's own reader).
import json, os, sys
conf = sys.argv[1] if len(sys.argv) > 1 else '/etc/fail2ban'
from fail2ban.client.filterreader import FilterReader
out = {}
for fn in sorted(os.listdir(os.path.join(conf, 'filter.d'))):
    if not fn.endswith('.conf'): continue
    name = fn[:-5]
    try:
        fr = FilterReader(name, 'jail', {}, basedir=conf, share_config={})
        fr.read(); fr.getOptions({})
        for opt in fr.convert():
            if opt[2] == 'datepattern':
                out[name] = opt[3]
    except Exception as e:
        pass
print(json.dumps(out))
