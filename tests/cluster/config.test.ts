// [cluster] in fail2ban.local: off by default, secrets from owner-only files, and every bad value
// named with its file, line and field.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clusterConfig } from "../../src/cluster/config.ts";
import { loadFail2banConf } from "../../src/config/fail2ban-conf.ts";
import { diskFS } from "../../src/config/fs.ts";

function root(local: string, files: Record<string, { text: string; mode: number }> = {}): { dir: string; load(): ReturnType<typeof clusterConfig> } {
  const dir = mkdtempSync(join(tmpdir(), "f2b-clcfg-"));
  writeFileSync(join(dir, "fail2ban.conf"), "[Definition]\nloglevel = INFO\n");
  writeFileSync(join(dir, "fail2ban.local"), local.replaceAll("DIR", dir));
  for (const [name, f] of Object.entries(files)) {
    writeFileSync(join(dir, name), f.text);
    chmodSync(join(dir, name), f.mode);
  }
  return { dir, load: () => clusterConfig(loadFail2banConf(diskFS(dir)), "myhost") };
}
const KEYFILE = { "cluster.key": { text: "0123456789abcdef0123\n", mode: 0o600 } };

describe("[cluster] config", () => {
  test("off without the section or without url", () => {
    expect(root("[Definition]\n").load()).toBeUndefined();
    expect(root("[cluster]\nprefix = x\n").load()).toBeUndefined();
    expect(root("[cluster]\nurl = redis://h:6379\nenabled = false\n").load()).toBeUndefined();
  });

  test("defaults: host name, every jail, prefix f2b, jail cluster", () => {
    const c = root("[cluster]\nurl = redis://u:p@10.0.0.1:6379/0\nkeyfile = DIR/cluster.key\n", KEYFILE).load()!;
    expect(c).toMatchObject({
      url: "redis://u:p@10.0.0.1:6379/0",
      hostid: "myhost",
      share: null,
      prefix: "f2b",
      jail: "cluster",
      maxlen: 100000,
      maxage: 86400,
      peerlimit: 20000,
    });
    expect(c.key.toString()).toBe("0123456789abcdef0123");
  });

  test("share list, urlfile, maxage as a time", () => {
    const c = root("[cluster]\nurlfile = DIR/url\nkeyfile = DIR/cluster.key\nshare = sshd, recidive\nhostid = pve1\nmaxage = 2h\n", {
      ...KEYFILE,
      url: { text: "rediss://pve1:secret@redis.lan:6380\n", mode: 0o600 },
    }).load()!;
    expect(c.url).toBe("rediss://pve1:secret@redis.lan:6380");
    expect([...c.share!]).toEqual(["sshd", "recidive"]);
    expect(c.hostid).toBe("pve1");
    expect(c.maxage).toBe(7200);
  });

  test.each([
    ["url = http://h\nkeyfile = DIR/cluster.key\n", /fail2ban\.local:2: \[cluster\] url: expected redis:/u],
    ["url = redis://h\n", /fail2ban\.local:2: \[cluster\] keyfile = is required/u],
    ["url = redis://h\nkeyfile = DIR/cluster.key\nhostid = a b\n", /fail2ban\.local:4: \[cluster\] hostid: .*"a b"/u],
    ["url = redis://h\nkeyfile = DIR/cluster.key\npeerlimit = many\n", /fail2ban\.local:4: \[cluster\] peerlimit: expected a whole number/u],
    ["url = redis://h\nkeyfile = DIR/cluster.key\nmaxage = soon\n", /fail2ban\.local:4: \[cluster\] maxage/u],
    ["url = redis://h\nkeyfile = DIR/cluster.key\nshare = ssh?d\n", /fail2ban\.local:4: \[cluster\] share/u],
    ["url = redis://h\nkeyfile = DIR/short.key\n", /fail2ban\.local:3: \[cluster\] keyfile .*at least 16/u],
    ["url = redis://h\nkeyfile = DIR/open.key\n", /fail2ban\.local:3: \[cluster\] keyfile .*readable by others/u],
    ["urlfile = DIR/open.url\nkeyfile = DIR/cluster.key\n", /fail2ban\.local:2: \[cluster\] urlfile .*readable by others/u],
    ["enabled = true\n", /\[cluster\] is enabled but has neither url/u],
  ])("refuses %p", (body, re) => {
    const r = root(`[cluster]\n${body}`, {
      ...KEYFILE,
      "short.key": { text: "short", mode: 0o600 },
      "open.key": { text: "0123456789abcdef0123", mode: 0o644 },
      "open.url": { text: "redis://u:pw@h", mode: 0o644 },
    });
    expect(() => r.load()).toThrow(re);
  });

  test("the password of a bad url is not echoed", () => {
    const r = root("[cluster]\nurl = http://user:hunter2@h\nkeyfile = DIR/cluster.key\n", KEYFILE);
    expect(() => r.load()).toThrow(/^(?!.*hunter2)/u);
  });
});
