// Service name → port for `port = ssh,http`: the system's services database first, then a
// built-in table, because minimal systems and container templates often lack /etc/services
// (Debian's netbase package) and a jail whose port cannot be resolved cannot ban (issue 12).
import { readFileSync } from "node:fs";

/** Service name → port lookup (`protocol`: tcp, udp ...); null when the name is unknown. */
export type ServiceResolver = (name: string, protocol: string) => number | null;

/**
 * Every name the `port =` lines of fail2ban's (1.0.2, 1.1.1) and f2b's stock jails and action.d
 * files use, and the other common ones, in /etc/services format with the numbers of Debian's
 * netbase (the test compares them with the host's /etc/services).
 */
const BUILT_IN = `
ftp-data 20/tcp
ftp 21/tcp
ssh 22/tcp
telnet 23/tcp
smtp 25/tcp mail
domain 53/tcp
domain 53/udp
tftp 69/udp
http 80/tcp www
http 80/udp
kerberos 88/tcp kerberos5 krb5
kerberos 88/udp kerberos5 krb5
pop3 110/tcp pop-3
nntp 119/tcp
ntp 123/udp
imap2 143/tcp imap
snmp 161/udp
ldap 389/tcp
ldap 389/udp
https 443/tcp
https 443/udp
submissions 465/tcp ssmtp smtps
syslog 514/udp
submission 587/tcp
ldaps 636/tcp
rsync 873/tcp
ftps-data 989/tcp
ftps 990/tcp
imaps 993/tcp
pop3s 995/tcp
socks 1080/tcp
openvpn 1194/tcp
openvpn 1194/udp
ms-sql-s 1433/tcp
radius 1812/udp
mysql 3306/tcp
ms-wbt-server 3389/tcp
sieve 4190/tcp
iax 4569/udp
sip 5060/tcp
sip 5060/udp
sip-tls 5061/tcp
sip-tls 5061/udp
xmpp-client 5222/tcp jabber-client
xmpp-server 5269/tcp jabber-server
postgresql 5432/tcp postgres
redis 6379/tcp
ircd 6667/tcp
http-alt 8080/tcp webcache
webmin 10000/tcp
`;

/** name/protocol → port, from text in /etc/services format (the first entry of a name wins). */
export function parseServices(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const m = /^(\S+)\s+(\d+)\/(\w+)(.*)$/.exec(line);
    if (!m) continue;
    const names = [m[1]!, ...m[4]!.trim().split(/\s+/).filter(Boolean)];
    for (const n of names) {
      const key = `${n.toLowerCase()}/${m[3]!.toLowerCase()}`;
      if (!out.has(key)) out.set(key, Number(m[2]));
    }
  }
  return out;
}

export const builtInServices: ReadonlyMap<string, number> = parseServices(BUILT_IN);

function lookup(table: ReadonlyMap<string, number>, name: string, protocol: string): number | null {
  const n = name.toLowerCase();
  return table.get(`${n}/${protocol}`) ?? table.get(`${n}/tcp`) ?? table.get(`${n}/udp`) ?? null;
}

export interface ServicesDeps {
  /** The services database's text; null when there is none (read once, on the first lookup). */
  readServices(): string | null;
}

export const systemServices: ServicesDeps = {
  readServices() {
    try {
      return readFileSync("/etc/services", "utf8");
    } catch {
      return null; // no netbase: the built-in table answers
    }
  },
};

/** The system's services database, and for a name it lacks, the built-in table. */
export function servicesResolver(deps: ServicesDeps): ServiceResolver {
  let system: Map<string, number> | null = null;
  return (name, protocol) => {
    system ??= parseServices(deps.readServices() ?? "");
    return lookup(system, name, protocol) ?? lookup(builtInServices, name, protocol);
  };
}

/** The default resolver: /etc/services, then the built-in table. */
export const etcServices: ServiceResolver = servicesResolver(systemServices);
