// Public API of the actions layer.
export type { ActionLog, BanEntry, FirewallBackend, FirewallJailSpec } from "./types.ts";
export { silentLog } from "./types.ts";
export { nftablesBackend, type NftablesDeps } from "./nftables.ts";
export { ipsetBackend, ipsetName, iptablesChain, IPSET_MAX_TIMEOUT, type IpsetDeps } from "./ipset.ts";
export { ActionError, shellAction, type Action, type ActionInfo, type LoadedActionLike, type ShellActionDef, type ShellActionDeps } from "./shell-action.ts";
export { createBackend, dummyBackend, planBanaction, resolveBanaction, type BackendDeps, type BanactionPlan, type NativeBackendName } from "./banaction.ts";
export { normaliseSpec, parseBlocktype, parseHooks, parsePorts, parseProtocols, parseAddr, type NormalisedSpec, type PortRange } from "./spec.ts";
export { remainingTimeout, ticketInfo } from "./effector.ts";
