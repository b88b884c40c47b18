// Service names without /etc/services (issue 12): every `port =` value of fail2ban's and f2b's
// stock configuration resolves from the built-in table alone, and the table agrees with the
// host's services database.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePorts } from "../../src/action/spec.ts";
import { builtInServices, parseServices, servicesResolver } from "../../src/action/services.ts";
import { EMBEDDED_CONFIG } from "../../src/config/embedded.ts";
import { parseIni } from "../../src/config/ini-parse.ts";

const noServicesFile = servicesResolver({ readServices: () => null });

/** Config trees whose jail.conf and action.d/*.conf hold the stock `port =` lines. */
const FAIL2BAN_ROOTS = ["/etc/fail2ban", "/opt/f2b-oracle/fail2ban-1.1.1/etc/fail2ban"];

function stockFiles(): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const root of FAIL2BAN_ROOTS.filter((r) => existsSync(join(r, "jail.conf")))) {
    out.push({ file: join(root, "jail.conf"), text: readFileSync(join(root, "jail.conf"), "utf8") });
    for (const f of readdirSync(join(root, "action.d")).filter((n) => n.endsWith(".conf"))) {
      out.push({ file: join(root, "action.d", f), text: readFileSync(join(root, "action.d", f), "utf8") });
    }
  }
  for (const [file, text] of Object.entries(EMBEDDED_CONFIG)) {
    if (file.endsWith(".conf") && !file.startsWith("filter.d/")) out.push({ file: `embedded:${file}`, text });
  }
  return out;
}

/** Every literal `port =` value (interpolations and placeholders such as dshield's `???` aside). */
function stockPortValues(): Array<{ where: string; value: string }> {
  const out: Array<{ where: string; value: string }> = [];
  for (const { file, text } of stockFiles()) {
    const ini = parseIni(text, file);
    for (const section of [ini.defaults, ...ini.sections.values()]) {
      const e = section.get("port");
      if (!e) continue;
      const value = e.value.replace(/\s+/g, " ").trim();
      if (value === "" || /[%<$?{]/.test(value)) continue;
      out.push({ where: `${e.file ?? file}:${e.line ?? "?"}`, value });
    }
  }
  return out;
}

describe("service names without /etc/services", () => {
  test("every stock port = value of fail2ban's and f2b's jails and actions resolves from the built-in table", () => {
    const values = stockPortValues();
    const named = values.filter((v) => /[a-z]/i.test(v.value));
    // jail.conf alone has dozens; so the test cannot pass by finding nothing.
    expect(named.length).toBeGreaterThan(30);
    const failures: string[] = [];
    for (const { where, value } of values) {
      try {
        parsePorts(value, "tcp", noServicesFile);
      } catch (e) {
        failures.push(`${where}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test("the names of the issue resolve to their well-known ports", () => {
    const want: Record<string, number> = {
      ssh: 22,
      http: 80,
      https: 443,
      smtp: 25,
      submission: 587,
      submissions: 465,
      smtps: 465,
      ssmtp: 465,
      imap: 143,
      imap2: 143,
      imaps: 993,
      pop3: 110,
      pop3s: 995,
      ftp: 21,
      "ftp-data": 20,
      ftps: 990,
      "ftps-data": 989,
      domain: 53,
      sieve: 4190,
      ldap: 389,
      ldaps: 636,
      socks: 1080,
      www: 80,
    };
    for (const [name, port] of Object.entries(want)) expect([name, noServicesFile(name, "tcp")]).toEqual([name, port]);
    expect(noServicesFile("domain", "udp")).toBe(53);
    expect(noServicesFile("SSH", "tcp")).toBe(22);
  });

  test("the built-in table agrees with the host's /etc/services", () => {
    if (!existsSync("/etc/services")) {
      console.log("skipped: this host has no /etc/services to compare the table with");
      return;
    }
    const host = parseServices(readFileSync("/etc/services", "utf8"));
    const compared: string[] = [];
    for (const [key, port] of builtInServices) {
      if (!host.has(key)) continue;
      compared.push(key);
      expect([key, host.get(key)]).toEqual([key, port]);
    }
    expect(compared.length).toBeGreaterThan(builtInServices.size / 2);
  });

  test("the system's database comes first; unknown names fail naming the option", () => {
    let reads = 0;
    const resolve = servicesResolver({
      readServices: () => {
        reads++;
        return "ssh 2222/tcp\nmyapp 7000/tcp # local\n";
      },
    });
    expect(parsePorts("ssh,myapp,http", "tcp", resolve)).toEqual([
      { from: 80, to: 80 },
      { from: 2222, to: 2222 },
      { from: 7000, to: 7000 },
    ]);
    expect(reads).toBe(1);
    expect(() => parsePorts("http,nosuchservice", "tcp", noServicesFile)).toThrow(/port = http,nosuchservice: unknown service name "nosuchservice"/);
  });
});

test("a dash joins a range only between numbers: ftp-data is a name", () => {
  expect(parsePorts("ftp-data,8000-8001,ftps-data:ftps", "tcp", noServicesFile)).toEqual([
    { from: 20, to: 20 },
    { from: 989, to: 990 },
    { from: 8000, to: 8001 },
  ]);
});
