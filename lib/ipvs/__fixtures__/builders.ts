// The test configs many suites start from, built one way: a TCP web service on 10.0.0.1:80 with
// numbered real servers. Tests say only what differs from it (weights, scheduler, health check).
import type { RealServerInput, VirtualServiceInput } from '../model';
import type { ConnEntry } from '../stats';

/** A service by address and port (not a firewall mark). */
type AddressServiceInput = Extract<VirtualServiceInput, { address: string }>;

export const WEB_KEY = { protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;

/** Real servers at `first`, first+1, … (the last octet counts up), with these weights. */
export function realServers(weights: readonly number[], first = '10.0.1.1'): RealServerInput[] {
  const dot = first.lastIndexOf('.');
  const net = first.slice(0, dot + 1);
  const host = Number(first.slice(dot + 1));
  return weights.map((weight, i) => ({ address: `${net}${host + i}`, weight }));
}

/** The web service (wrr over 10.0.1.1 and 10.0.1.2, weight 1 each), with `over` applied. */
export function webService(over: Partial<AddressServiceInput> = {}): AddressServiceInput {
  return { ...WEB_KEY, scheduler: 'wrr', realServers: realServers([1, 1]), ...over };
}

/** One connection-table entry (192.168.0.101:54321 → 10.0.0.1:80 → 192.168.1.2:80, established), with `over` applied. */
export function connEntry(over: Partial<ConnEntry> = {}): ConnEntry {
  return {
    protocol: 'TCP',
    clientAddress: '192.168.0.101',
    clientPort: 54321,
    virtualAddress: '10.0.0.1',
    virtualPort: 80,
    destAddress: '192.168.1.2',
    destPort: 80,
    state: 'ESTABLISHED',
    expires: 897,
    template: false,
    ...over,
  };
}

/** The persistence template fixture 216 shows (client 10.30.0.2 pinned to 10.20.3.2 behind 10.10.0.1:80). */
export const PERSISTENCE_TEMPLATE = connEntry({ clientAddress: '10.30.0.2', clientPort: 0, virtualAddress: '10.10.0.1', destAddress: '10.20.3.2', state: 'ASSURED', expires: 59, template: true });
