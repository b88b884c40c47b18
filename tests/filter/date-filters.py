# Resolved datepattern of every filter in /etc/fail2ban/filter.d that sets one (fail2ban's own reader).
import json, os, sys
from fail2ban.client.filterreader import FilterReader
out = {}
for fn in sorted(os.listdir('/etc/fail2ban/filter.d')):
    if not fn.endswith('.conf'): continue
    name = fn[:-5]
    try:
        fr = FilterReader(name, 'jail', {}, basedir='/etc/fail2ban', share_config={})
        fr.read(); fr.getOptions({})
        for opt in fr.convert():
            if opt[2] == 'datepattern':
                out[name] = opt[3]
    except Exception as e:
        pass
print(json.dumps(out))
