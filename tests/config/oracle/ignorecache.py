# Oracle for jail-options.test.ts: what fail2ban 1.0.2's server makes of `set JAIL ignorecache VALUE`
# (Server.setIgnoreCache → Filter.ignoreCache). Input (stdin): JSON list of values.
# Output: per value [key, max-count, max-time], null (no cache) or "error".
import json, sys
from fail2ban.helpers import extractOptions
from fail2ban.server.filter import Filter

out = []
for value in json.load(sys.stdin):
    try:
        _, options = extractOptions("cache[" + value + "]")
        f = Filter(None)
        f.ignoreCache = options
        out.append(f.ignoreCache)
    except Exception:
        out.append("error")
print(json.dumps(out))
