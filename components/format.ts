// Number, unit and time formatting for the dashboard, and the labels of domain things (a
// service's flags, a role, an engine). Pure (used by server and client components and by chart
// axes). Decimal SI prefixes like ipvsadm --stats (1000, not 1024).
import { formatHostPort } from '@/lib/ipvs/addr';
import { isDefaultNetmask, serviceFamily, type VirtualService } from '@/lib/ipvs/model';
import type { Role } from '@/lib/api/schemas';

const PREFIXES = ['', 'K', 'M', 'G', 'T', 'P'] as const;

/** 0 → "0", 999 → "999", 1234 → "1.23K", 12_345_678 → "12.3M". Three significant digits. */
export function si(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const neg = value < 0;
  let v = Math.abs(value);
  let i = 0;
  while (v >= 999.5 && i < PREFIXES.length - 1) {
    v /= 1000;
    i++;
  }
  let text: string;
  if (i === 0) text = Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  else text = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  text = trimZeros(text);
  return `${neg ? '-' : ''}${text}${PREFIXES[i]}`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Integer with thousands separators, as exact counters read best: 1234567 → "1,234,567". */
export function exact(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Math.round(value).toLocaleString('en-US');
}

/** What a chart plots; decides the unit suffix. */
export type Metric = 'conns' | 'cps' | 'pps' | 'bytes' | 'bits';

export const METRIC_UNIT: Record<Metric, string> = {
  conns: '',
  cps: 'conn/s',
  pps: 'pkt/s',
  bytes: 'B/s',
  bits: 'bit/s',
};

/** "1.2K conn/s", "840 Mbit/s", "12 MB/s"; bare count for connections. */
export function formatMetric(value: number, metric: Metric): string {
  const unit = METRIC_UNIT[metric];
  if (metric === 'bits' || metric === 'bytes') {
    const s = si(value);
    const prefix = /[KMGTP]$/.test(s) ? s.slice(-1) : '';
    const num = prefix ? s.slice(0, -1) : s;
    return `${num} ${prefix}${unit}`;
  }
  return unit ? `${si(value)} ${unit}` : si(value);
}

/** Axis tick: compact, no unit (the axis label carries it). */
export function formatTick(value: number): string {
  return si(value);
}

/** Bytes (not a rate): 1536 → "1.54 KB". */
export function formatBytes(value: number): string {
  const s = si(value);
  const prefix = /[KMGTP]$/.test(s) ? s.slice(-1) : '';
  return `${prefix ? s.slice(0, -1) : s} ${prefix}B`;
}

/** Seconds as ipvsadm -Lnc prints expiry (mm:ss, minutes may exceed 99). */
export function mmss(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Human duration: 45 → "45 s", 360 → "6 min", 5400 → "1 h 30 min", 2678400 → "31 d". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / 86400);
  const h = Math.round((s % 86400) / 3600);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", else a date. `now` is injectable for tests. */
export function ago(when: string | number | Date | null | undefined, now: number = Date.now()): string {
  if (when === null || when === undefined) return 'never';
  const t = new Date(when).getTime();
  if (Number.isNaN(t)) return '–';
  const d = Math.round((now - t) / 1000);
  if (d < 0) return 'in ' + duration(-d);
  if (d < 5) return 'just now';
  if (d < 60) return `${d} s ago`;
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return dateTime(t);
}

/** "2025-11-25 14:03:07" in local time: sortable, unambiguous, what admins paste into tickets. */
export function dateTime(when: string | number | Date): string {
  const d = new Date(when);
  if (Number.isNaN(d.getTime())) return '–';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Axis time label for a range: seconds for live, minutes for hours, dates for days. */
export function timeTick(t: number, rangeSeconds: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  if (rangeSeconds <= 600) return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  if (rangeSeconds <= 86400) return `${p(d.getHours())}:${p(d.getMinutes())}`;
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Percentage for progress bars, clamped to 0..100. */
export function percent(part: number, whole: number): number {
  if (!(whole > 0)) return part > 0 ? 0 : 100;
  return Math.max(0, Math.min(100, (part / whole) * 100));
}

// ---- labels of domain things, the same on every page ----

/** The Flags column, in ipvsadm -Ln's words: "(sh-port) persistent 360 mask 255.255.255.0 pe sip ops". */
export function flagsText(s: VirtualService): string {
  const parts: string[] = [];
  if (s.schedFlags.length) parts.push(`(${s.schedFlags.join(',')})`);
  if (s.persistence) {
    parts.push(`persistent ${s.persistence.timeout}`);
    if (!isDefaultNetmask(s.persistence.netmask, serviceFamily(s))) parts.push(`mask ${s.persistence.netmask}`);
    if (s.persistence.pe) parts.push(`pe ${s.persistence.pe}`);
  }
  if (s.onePacket) parts.push('ops');
  return parts.join(' ');
}

export function protoLabel(s: VirtualService): string {
  return s.protocol === 'fwmark' ? 'FWM' : s.protocol.toUpperCase();
}

export function addrLabel(s: VirtualService): string {
  return s.protocol === 'fwmark' ? `${s.fwmark}${s.family === 'inet6' ? ' IPv6' : ''}` : formatHostPort(s.address, s.port);
}

/** How a director's agent touches its kernel, in a reader's words. */
export function engineLabel(engine: string | null | undefined): string {
  return engine === 'sim' ? 'simulated kernel' : engine ? `${engine} engine` : '?';
}

/** What each role may do. */
export const ROLE_HELP: Record<Role, string> = {
  admin: 'everything, including users',
  operator: 'config changes, directors, imports, rollbacks',
  viewer: 'read only',
};

/** The badge tone of an audit action: failures and denials stand out, revisions are informative. */
export function auditTone(action: string): 'bad' | 'info' | '' {
  if (action.endsWith('failure') || action.endsWith('.denied') || action.includes('fail')) return 'bad';
  return action.startsWith('revision') ? 'info' : '';
}
