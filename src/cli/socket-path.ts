// Which socket the client talks to, found like fail2ban-client does: `-s` wins, else the
// `socket` option of [Definition] in the config root's fail2ban.conf/.local, else the default.
import { ConfigError } from "../config/errors.ts";
import { diskFS } from "../config/fs.ts";
import { IniConfig } from "../config/ini.ts";

export const DEFAULT_SOCKET = "/run/f2b/f2b.sock";

export function resolveSocket(opts: { socket?: string; conf?: string }): string {
  if (opts.socket) return opts.socket;
  if (!opts.conf) return DEFAULT_SOCKET;
  const cfg = new IniConfig(diskFS(opts.conf));
  if (!cfg.readNamed("fail2ban")) return DEFAULT_SOCKET;
  try {
    if (cfg.hasOption("Definition", "socket")) {
      const v = cfg.get("Definition", "socket").trim();
      if (v !== "") return v;
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`cannot read the socket option: ${(e as Error).message}`, { file: `${opts.conf}/fail2ban.conf` });
  }
  return DEFAULT_SOCKET;
}
