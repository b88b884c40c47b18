// Contracts of the actions layer (see notes/contracts-daemon.md). The ban manager talks to a
// FirewallBackend (native) or an Action (fail2ban action.d shell file); both sit behind BanEffector.
// Commands run through the system's CommandRunner (src/system/command.ts).

export interface FirewallJailSpec {
  jail: string;
  /** fail2ban port spec: "ssh", "22,2222", "8000:8100", "0:65535" */
  ports: string;
  /** tcp | udp | sctp | dccp | all, or a comma list like "tcp,udp" */
  protocol: string;
  allports: boolean;
  /** input, forward, DOCKER-USER ... (case-insensitive; fail2ban's `chain` option split on commas) */
  chains: string[];
  /** fail2ban blocktype: reject, drop, "REJECT --reject-with icmp-port-unreachable", DROP ... */
  blocktype: string;
}

export interface BanEntry {
  /** IPv4/IPv6 address or CIDR */
  ip: string;
  /** seconds left, null = permanent */
  timeout: number | null;
}

export interface FirewallBackend {
  readonly name: string;
  start(spec: FirewallJailSpec): Promise<void>;
  ban(spec: FirewallJailSpec, entries: BanEntry[]): Promise<void>;
  unban(spec: FirewallJailSpec, ips: string[]): Promise<void>;
  list(spec: FirewallJailSpec): Promise<string[]>;
  check(spec: FirewallJailSpec): Promise<boolean>;
  stop(spec: FirewallJailSpec): Promise<void>;
}
