// VIP ownership, derived (pure): which director holds each VIP of a cluster, from the HA state its
// agents report. Used by the agent (which of its addresses are VIPs), the console's detector
// (lib/server/ha.ts: alerts, the failover timeline) and the HA view alike.
import { canonicalAddress } from './addr';
import type { DirectorConfig } from './model';
import type { HaState } from '../protocol/messages';

/** The VIPs of a config: every address a virtual service listens on (fwmark services have none), canonical and sorted. */
export function clusterVips(config: DirectorConfig): string[] {
  const vips = new Set<string>();
  for (const s of config.services) if (s.protocol !== 'fwmark') vips.add(canonicalAddress(s.address));
  return [...vips].sort();
}

/** Which of the VIPs an interface carries (addresses compared in canonical form). */
export function vipsOnInterfaces(vips: readonly string[], addresses: readonly { address: string; interface: string }[]): { address: string; interface: string }[] {
  const wanted = new Set(vips.map(canonicalAddress));
  const found = new Map<string, string>();
  for (const a of addresses) {
    const c = canonicalAddress(a.address);
    if (wanted.has(c) && !found.has(c)) found.set(c, a.interface);
  }
  return [...found].sort(([a], [b]) => a.localeCompare(b)).map(([address, iface]) => ({ address, interface: iface }));
}

/** owned: on exactly one director; split_brain: on two or more; orphan: on none of the reporting directors; unknown: no director reports. */
export const VIP_STATES = ['owned', 'split_brain', 'orphan', 'unknown'] as const;
export type VipState = (typeof VIP_STATES)[number];

export interface DirectorHa {
  name: string;
  connected: boolean;
  ha: HaState | null;
}

export interface VipOwnership {
  vip: string;
  state: VipState;
  /** directors whose interfaces carry the VIP, sorted */
  owners: string[];
  /** directors whose report counts (connected, fresh, addresses known), sorted */
  reporting: string[];
}

/** A report older than this says nothing about now (agents report at least every 30 s). */
export const HA_REPORT_STALE_MS = 90_000;

/** A director's report counts when its agent is connected, its report is fresh and it could read its addresses. */
export function reportsHa(d: DirectorHa, now: number): d is DirectorHa & { ha: HaState & { vips: NonNullable<HaState['vips']> } } {
  return d.connected && d.ha !== null && d.ha.vips !== null && now - Date.parse(d.ha.at) <= HA_REPORT_STALE_MS;
}

export function deriveVipOwnership(vips: readonly string[], directors: readonly DirectorHa[], now: number): VipOwnership[] {
  const reporting = directors.filter((d) => reportsHa(d, now));
  const names = reporting.map((d) => d.name).sort();
  const held = new Map(reporting.map((d) => [d.name, new Set(d.ha.vips.map((v) => canonicalAddress(v.address)))]));
  return vips.map((raw) => {
    const vip = canonicalAddress(raw);
    const owners = names.filter((n) => held.get(n)!.has(vip));
    const state: VipState = names.length === 0 ? 'unknown' : owners.length === 0 ? 'orphan' : owners.length === 1 ? 'owned' : 'split_brain';
    return { vip, state, owners, reporting: names };
  });
}

/**
 * On a failback (a VIP returns to the director it last left): is that director's connection sync
 * complete? Not when it runs no backup sync daemon (it received no connection state at all), or
 * when its table holds less than half the entries of the director it takes over from (IPVS syncs
 * only connections past sync_threshold, so some shortfall is normal; half is "far below").
 * Returns why not, or null when it looks complete (or there is nothing to compare).
 */
export const FAILBACK_MIN_CONN_RATIO = 0.5;
export function failbackSyncWarning(returning: { name: string; ha: HaState | null }, current: { name: string; ha: HaState | null } | null): string | null {
  if (!returning.ha) return `${returning.name} has not reported its HA state: its connection sync is unknown`;
  if (!returning.ha.syncDaemons.some((d) => d.state === 'backup')) {
    return `${returning.name} runs no backup sync daemon: connections established through ${current?.name ?? 'the other director'} were not synced to it and will be reset`;
  }
  const mine = returning.ha.connections;
  const theirs = current?.ha?.connections ?? null;
  if (mine !== null && theirs !== null && theirs > 0 && mine < theirs * FAILBACK_MIN_CONN_RATIO) {
    return `${returning.name} holds ${mine} synced connections, far below the ${theirs} of ${current!.name}: its connection sync is not complete`;
  }
  return null;
}
