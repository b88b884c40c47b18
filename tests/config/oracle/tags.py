# Differential oracle for fail2ban's helpers.substituteRecursiveTags: reads a JSON list of
# {"tags": {...}, "conditional": str, "ignore": [...]} on stdin, prints results (or "error").
import json, sys
from fail2ban.helpers import substituteRecursiveTags

out = []
for case in json.load(sys.stdin):
    try:
        out.append(substituteRecursiveTags(case["tags"], case["conditional"], ignore=case["ignore"]))
    except ValueError:
        out.append("error")
json.dump(out, sys.stdout)
