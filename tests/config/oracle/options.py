# Differential oracle for fail2ban's helpers.extractOptions / splitWithOptions / splitwords:
# reads a JSON list of strings on stdin, prints JSON results.
import json, sys
from fail2ban.helpers import extractOptions, splitWithOptions, splitwords

out = []
for s in json.load(sys.stdin):
    try:
        name, opts = extractOptions(s)
        ext = {"name": name, "options": opts}
    except ValueError:
        ext = "error"
    out.append({"extract": ext, "split": splitWithOptions(s), "words": splitwords(s)})
json.dump(out, sys.stdout)
