// Our filters on fail2ban's own sample logs for the same services (read at run time from the
// installed fail2ban package). fail2ban's expectations are the reference; each filter has a floor
// it must keep. Known reasons for misses are in tests/filters/README.md.
import { expect, test } from "bun:test";
import { haveFail2banSample, scoreOnFail2banSample } from "./fail2ban-samples.ts";

// [our filter, fail2ban's sample log, minimum share of cases right]
const PAIRS: [string, string, number][] = [
  ["sshd", "sshd", 0.95],
  ["recidive", "recidive", 1],
  ["nginx-http-auth", "nginx-http-auth", 1],
  ["nginx-bad-request", "nginx-bad-request", 1],
  ["nginx-botsearch", "nginx-botsearch", 1],
  ["apache-auth", "apache-auth", 1],
  ["postfix", "postfix", 1],
  ["dovecot", "dovecot", 1],
  ["vaultwarden", "bitwarden", 1],
  ["grafana", "grafana", 1],
  ["traefik-auth", "traefik-auth", 1],
  ["nginx-limit-req", "nginx-limit-req", 1],
  ["gitlab", "gitlab", 1],
  ["roundcube-auth", "roundcube-auth", 1],
];

for (const [ours, sample, floor] of PAIRS) {
  const have = haveFail2banSample(sample);
  if (!have) console.warn(`skipped ${ours}: fail2ban's sample log '${sample}' is not installed (Debian package fail2ban)`);
  test.skipIf(!have)(`ours ${ours} on fail2ban's ${sample} sample ≥ ${floor * 100}%`, () => {
    const s = scoreOnFail2banSample(ours, sample);
    console.log(`ours vs fail2ban sample ${sample}: ${s.passed}/${s.total}`);
    for (const m of s.misses) console.log(`  miss ${m.filter} ${m.line}: ${m.reason}`);
    expect(s.total).toBeGreaterThan(0);
    expect(s.passed / s.total).toBeGreaterThanOrEqual(floor);
  });
}
