// Which socket the client talks to, found like fail2ban-client does: `-s` wins, else the
// `socket` option of fail2ban.conf/.local in the `-c` config root (fail2ban's default
// /var/run/fail2ban/fail2ban.sock when the file leaves it unset), else f2b's own default.
import { loadFail2banConf } from "../config/fail2ban-conf.ts";
import { diskFS } from "../config/fs.ts";

export const DEFAULT_SOCKET = "/run/f2b/f2b.sock";

/** Throws ConfigError (naming file and line) for a broken fail2ban.conf. */
export function resolveSocket(opts: { socket?: string; conf?: string }): string {
  if (opts.socket) return opts.socket;
  if (!opts.conf) return DEFAULT_SOCKET;
  const conf = loadFail2banConf(diskFS(opts.conf));
  // A config root without any fail2ban.conf (e.g. f2b's own tree) keeps f2b's default.
  if (conf.files.length === 0) return DEFAULT_SOCKET;
  return conf.socket.trim() || DEFAULT_SOCKET;
}
