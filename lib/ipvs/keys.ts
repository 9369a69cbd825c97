// The one owner of the string references to services and real servers: map keys, stats series
// names, URL parameters, report fields and DB columns all use these, never a hand-built string.
//   service:      "tcp|10.0.0.1|80", "udp|2001:db8::1|53", "fwmark|inet6|3"
//   real server:  "10.0.1.1|80" (port 0 = the service's port, as fwmark services have)
//   server:       "<service>#<real server>" (a real server within its service)
// '|' and '#' appear in no address, so a reference splits back unambiguously.
import { z } from 'zod';
import { addressFamily, canonicalAddress, type Family } from './addr';
import type { ServiceKey } from './model';

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** Stable string id of a service key: "tcp|10.0.0.1|80", "fwmark|inet6|3". */
export function serviceKeyId(s: ServiceKey): string {
  return s.protocol === 'fwmark' ? `fwmark|${s.family}|${s.fwmark}` : `${s.protocol}|${s.address}|${s.port}`;
}

/** Stable string id of a real server within its service: "10.0.1.1|80". */
export function realServerKeyId(r: { address: string; port?: number }): string {
  return `${r.address}|${r.port ?? 0}`;
}

/** A real server within its service: "tcp|10.0.0.1|80#10.0.1.1|80". Takes keys or their ids. */
export function serverKeyId(service: ServiceKey | string, server: { address: string; port?: number } | string): string {
  return `${typeof service === 'string' ? service : serviceKeyId(service)}#${typeof server === 'string' ? server : realServerKeyId(server)}`;
}

/** The two halves of a server id, or null when it is not one. */
export function splitServerKeyId(id: string): { service: string; server: string } | null {
  const at = id.indexOf('#');
  if (at < 0 || id.indexOf('#', at + 1) >= 0) return null;
  return { service: id.slice(0, at), server: id.slice(at + 1) };
}

const whole = (s: string | undefined, max: number): number | null => {
  if (s === undefined || !/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= max ? n : null;
};
const address = (s: string | undefined): string | null => (s !== undefined && addressFamily(s) !== null ? canonicalAddress(s) : null);

/** The service key a service id stands for, or null when it is not a well-formed id. */
export function parseServiceKeyId(id: string): ServiceKey | null {
  const [a, b, c, extra] = id.split('|');
  if (extra !== undefined) return null;
  if (a === 'fwmark') {
    const fwmark = whole(c, 4294967295);
    return (b === 'inet' || b === 'inet6') && fwmark !== null && fwmark > 0 ? { protocol: 'fwmark', fwmark, family: b as Family } : null;
  }
  const addr = address(b);
  const port = whole(c, 65535);
  return a !== undefined && PROTOCOLS.has(a) && addr !== null && port !== null ? { protocol: a as 'tcp' | 'udp' | 'sctp', address: addr, port } : null;
}

/** The real server key a real server id stands for, or null. */
export function parseRealServerKeyId(id: string): { address: string; port: number } | null {
  const [a, p, extra] = id.split('|');
  const addr = address(a);
  const port = whole(p, 65535);
  return extra === undefined && addr !== null && port !== null ? { address: addr, port } : null;
}

/** Both keys of a server id, or null. */
export function parseServerKeyId(id: string): { service: ServiceKey; server: { address: string; port: number } } | null {
  const parts = splitServerKeyId(id);
  if (!parts) return null;
  const service = parseServiceKeyId(parts.service);
  const server = parseRealServerKeyId(parts.server);
  return service && server ? { service, server } : null;
}

/** Schemas for ids arriving from outside (URLs, reports, stats batches). */
export const ServiceKeyIdSchema = z
  .string()
  .max(80)
  .refine((s) => parseServiceKeyId(s) !== null, 'must be a service id such as tcp|10.0.0.1|80 or fwmark|inet|3');
export const RealServerKeyIdSchema = z
  .string()
  .max(60)
  .refine((s) => parseRealServerKeyId(s) !== null, 'must be a real server id such as 10.0.1.1|80');
export const ServerKeyIdSchema = z
  .string()
  .max(141)
  .refine((s) => parseServerKeyId(s) !== null, 'must be a server id such as tcp|10.0.0.1|80#10.0.1.1|80');
