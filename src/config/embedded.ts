import { shippedConfig } from "./embedded-macro.ts" with { type: "macro" };

/** f2b's own shipped config in fail2ban's layout (filter.d/…, jail.conf, jail.d/…). */
export const EMBEDDED_CONFIG: Readonly<Record<string, string>> = shippedConfig();
