// Which socket the client talks to, found like fail2ban-client does: `-s` wins, else the
// `socket` option of fail2ban.conf/.local in the config root (`-c DIR`, else /etc/f2b when
// the server would use it; fail2ban's default /var/run/fail2ban/fail2ban.sock when the file
// leaves it unset), else f2b's own default.
import { existsSync } from "node:fs";
import { loadFail2banConf } from "../config/fail2ban-conf.ts";
import { diskFS } from "../config/fs.ts";

export const DEFAULT_SOCKET = "/run/f2b/f2b.sock";

/** The config root `f2b server` uses without -c when it exists (src/server/main.ts configRoot). */
export const DEFAULT_CONF_DIR = "/etc/f2b";

/** The config root commands use without -c: DIR (/etc/f2b) when it holds a jail.conf, else
 *  undefined (the embedded defaults). */
export function installedConfDir(dir = DEFAULT_CONF_DIR): string | undefined {
  return existsSync(`${dir}/jail.conf`) ? dir : undefined;
}

/** Throws ConfigError (naming file and line) for a broken fail2ban.conf. */
export function resolveSocket(opts: { socket?: string; conf?: string }, defaultConfDir = DEFAULT_CONF_DIR): string {
  if (opts.socket) return opts.socket;
  const dir = opts.conf ?? installedConfDir(defaultConfDir);
  if (!dir) return DEFAULT_SOCKET;
  const conf = loadFail2banConf(diskFS(dir));
  // A config root without any fail2ban.conf (e.g. f2b's own tree) keeps f2b's default.
  if (conf.files.length === 0) return DEFAULT_SOCKET;
  return conf.socket.trim() || DEFAULT_SOCKET;
}
