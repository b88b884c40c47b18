# Differential oracle: runs `fail2ban-client -c CONFDIR -d` (prints the parsed command stream as
# Python literals, one per line) and re-prints that stream as JSON.
# Usage: client-d.py CONFDIR [FAIL2BAN-CLIENT ARGV PREFIX...] (default: fail2ban-client on PATH)
import ast, json, subprocess, sys

proc = subprocess.run((sys.argv[2:] or ["fail2ban-client"]) + ["-c", sys.argv[1], "-d"], capture_output=True, text=True, timeout=60)
stream = []
for line in proc.stdout.splitlines():
    if line.startswith("["):
        stream.append(ast.literal_eval(line))
json.dump({"rc": proc.returncode, "stderr": proc.stderr[-2000:], "stream": stream}, sys.stdout)
