// One-line help an LVS admin expects next to each choice, condensed from the kernel's
// net/netfilter/ipvs/Kconfig, ipvsadm(8) and shared/docs/ipvs-reference.md §3.
import { schedFlagsOf, type Forwarding, type SchedFlag, type Scheduler } from '@/lib/ipvs/model';

export const SCHEDULER_HELP: Record<Scheduler, { name: string; help: string }> = {
  rr: { name: 'Round robin', help: 'Each new connection to the next server in turn; weight only matters as 0 (skipped) or not.' },
  wrr: { name: 'Weighted round robin', help: 'Round robin in proportion to weight: a weight-3 server gets three connections for every one of a weight-1 server.' },
  lc: { name: 'Least connection', help: 'The server with the fewest connections (active×256 + inactive); weight is ignored beyond 0.' },
  wlc: { name: 'Weighted least connection', help: 'Fewest connections relative to weight, (active×256 + inactive) ÷ weight. The ipvsadm default.' },
  lblc: { name: 'Locality-based least connection', help: 'Sends the same destination IP to the same server unless it is overloaded; for cache clusters and fwmark services.' },
  lblcr: { name: 'LBLC with replication', help: 'Like lblc, but keeps a set of servers per destination IP and grows it under load; for busy cache clusters.' },
  dh: { name: 'Destination hashing', help: 'Static hash of the destination address to a server (256 buckets); no fallback when that server is down or weight 0.' },
  sh: { name: 'Source hashing', help: 'Static hash of the client address (optionally its port) to a server; sh-fallback picks another when it is unavailable.' },
  sed: { name: 'Shortest expected delay', help: 'The smallest (active + 1) ÷ weight; inactive connections are ignored.' },
  nq: { name: 'Never queue', help: 'An idle server (no active connections) at once if there is one, otherwise shortest expected delay.' },
  fo: { name: 'Weighted failover', help: 'All new connections to the available server with the highest weight; the next one takes over when it fails.' },
  ovf: { name: 'Weighted overflow', help: 'The highest-weight server until its active connections exceed its weight, then the next; poor for UDP.' },
  mh: { name: 'Maglev hashing', help: 'Consistent hash of the client (Google Maglev): minimal reshuffling when servers come and go; mh-fallback, mh-port.' },
  twos: { name: 'Power of two choices', help: 'Picks two servers at random by weight and takes the less loaded one; needs a recent kernel.' },
};

export const FORWARDING_HELP: Record<Forwarding, { name: string; flag: string; help: string }> = {
  route: {
    name: 'Direct routing',
    flag: '-g',
    help: 'Gatewaying: the director rewrites the MAC only; the server holds the VIP on a non-ARPing interface and replies to the client directly. Ports cannot be remapped.',
  },
  masq: { name: 'NAT (masquerading)', flag: '-m', help: 'The director rewrites addresses (and may map ports) and must be the servers’ gateway; replies come back through it.' },
  tunnel: { name: 'IP tunnelling', flag: '-i', help: 'Packets are encapsulated (ipip, gue or gre) to servers that may be on other networks; servers reply directly.' },
};

export const SCHED_FLAG_HELP: Record<SchedFlag, string> = {
  'sh-fallback': 'If the hashed server is unavailable (weight 0 or overloaded), try the next bucket instead of dropping.',
  'sh-port': 'Hash the client port too, spreading one client over several servers.',
  'mh-fallback': 'If the hashed server is unavailable, probe for another instead of dropping.',
  'mh-port': 'Hash the client port too.',
  'flag-1': 'Scheduler flag 1 (IP_VS_SVC_F_SCHED1); only sh and mh give it a meaning.',
  'flag-2': 'Scheduler flag 2 (IP_VS_SVC_F_SCHED2).',
  'flag-3': 'Scheduler flag 3 (IP_VS_SVC_F_SCHED3).',
};

/** The flags that make sense for a scheduler (the model's flag table; ipvsadm refuses sh-… and mh-… flags elsewhere). */
export const flagsFor: (scheduler: Scheduler) => SchedFlag[] = schedFlagsOf;

/** What ipvsadm -Ln prints in the Forward column (the listing's own table). */
export { FORWARD_COLUMN } from '@/lib/ipvs/listing/list';
