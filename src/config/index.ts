// Public API of the fail2ban-compatible config reader.
export { ConfigError } from "./errors.ts";
export { diskFS, embeddedFS, type ConfigFS } from "./fs.ts";
export { IniConfig, NoOptionError, NoSectionError } from "./ini.ts";
export { extractOptions, splitWithOptions, splitWords, type NamedOptions } from "./options.ts";
export { substituteRecursiveTags, type SubstituteOptions } from "./tags.ts";
export { loadFilter, splitJournalMatch, type FilterDefinition } from "./filter-reader.ts";
export { ACTION_COMMANDS, loadAction, type ActionCommand, type ActionDefinition, type ActionJailContext } from "./action-reader.ts";
export { FAIL2BAN_VERSION, loadJails, parseLogpaths, type JailAction, type JailConfig, type LoadJailsOptions, type LogPath } from "./jail-reader.ts";
export { loadFail2banConf, type Fail2banConf } from "./fail2ban-conf.ts";
