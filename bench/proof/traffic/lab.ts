// The traffic lab's network, inside ONE QEMU guest (no NIC: nothing leaves it). The guest's own
// namespace is the director (the VIPs on its lo, IPVS, the agent); every other party has its own
// network namespace behind a veth pair whose director end is its gateway:
//   cl        the client (load generator)            10.30.0.2
//   nat       the NAT real servers, one namespace with one address each (one HTTP process
//             answers for all of them: the address a request arrived on names the server)
//   dr1, dr2  direct-routing real servers: VIP on lo, arp_ignore/arp_announce
//   tun1/2    IP-IP real servers: tunl0 up, VIP on lo, rp_filter off
// The DR and TUN servers answer the client straight from the VIP through their gateway, the
// director, so the director accepts packets whose source is one of its own addresses (accept_local).

export const VIP = { nat: '10.10.0.1', dr: '10.10.0.2', tun: '10.10.0.3' } as const;
export const PORT = 80;
export type Kind = keyof typeof VIP;

/**
 * Every real server the lab runs, by service kind; a service starts with the first ones, and the
 * rest, and the ones a change removed, are there to be added. Few: each DR and TUN server is one
 * more node process in an emulated guest.
 */
export const SERVERS: Record<Kind, string[]> = {
  nat: ['10.20.0.2', '10.20.0.3', '10.20.0.4', '10.20.0.5'],
  dr: ['10.40.1.2', '10.40.2.2'],
  tun: ['10.50.1.2', '10.50.2.2'],
};
/** How many of each kind's servers the first config has. */
export const INITIAL = { nat: 3, dr: 2, tun: 2 } as const;
export const FORWARDING = { nat: 'masq', dr: 'route', tun: 'tunnel' } as const;

/** Namespaces that run one HTTP server each, with the addresses it answers for. */
export function httpNamespaces(): { ns: string; addresses: string[] }[] {
  return [{ ns: 'nat', addresses: SERVERS.nat }, ...SERVERS.dr.map((a, i) => ({ ns: `dr${i + 1}`, addresses: [a] })), ...SERVERS.tun.map((a, i) => ({ ns: `tun${i + 1}`, addresses: [a] }))];
}

const veth = (ns: string, hostAddr: string, nsAddrs: string[], prefix: number) =>
  [
    `ip netns add ${ns}`,
    `ip link add ${ns}-h type veth peer name ${ns}-n`,
    `ip link set ${ns}-n netns ${ns}`,
    `ip addr add ${hostAddr}/${prefix} dev ${ns}-h; ip link set ${ns}-h up`,
    ...nsAddrs.map((a) => `ip -n ${ns} addr add ${a}/${prefix} dev ${ns}-n`),
    `ip -n ${ns} link set ${ns}-n up; ip -n ${ns} link set lo up`,
    `ip -n ${ns} route add default via ${hostAddr}`,
  ].join('\n');

const sysctl = (ns: string | null, kv: string[]) => kv.map((x) => `${ns ? `ip netns exec ${ns} ` : ''}sysctl -qw ${x}`).join('\n');

/** The bash script that builds the lab (set -e: any failure stops it); prints "lab ready" last. */
export function labScript(): string {
  const lines = [
    'set -e',
    'modprobe ipip',
    sysctl(null, ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.conf.all.accept_local=1', 'net.ipv4.conf.default.accept_local=1']),
    ...Object.values(VIP).map((v) => `ip addr add ${v}/32 dev lo`),
    veth('cl', '10.30.0.1', ['10.30.0.2'], 24),
    veth('nat', '10.20.0.1', SERVERS.nat, 24),
  ];
  SERVERS.dr.forEach((a, i) => {
    const ns = `dr${i + 1}`;
    lines.push(
      veth(ns, a.replace(/\.2$/, '.1'), [a], 24),
      sysctl(ns, ['net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2', `net.ipv4.conf.${ns}-n.arp_ignore=1`, `net.ipv4.conf.${ns}-n.arp_announce=2`]),
      `ip -n ${ns} addr add ${VIP.dr}/32 dev lo`,
      `sysctl -qw net.ipv4.conf.${ns}-h.accept_local=1`,
    );
  });
  SERVERS.tun.forEach((a, i) => {
    const ns = `tun${i + 1}`;
    lines.push(
      veth(ns, a.replace(/\.2$/, '.1'), [a], 24),
      `ip -n ${ns} link set tunl0 up`,
      `ip -n ${ns} addr add ${VIP.tun}/32 dev lo`,
      sysctl(ns, [
        'net.ipv4.conf.all.rp_filter=0',
        'net.ipv4.conf.default.rp_filter=0',
        'net.ipv4.conf.tunl0.rp_filter=0',
        `net.ipv4.conf.${ns}-n.rp_filter=0`,
        'net.ipv4.conf.all.arp_ignore=1',
        'net.ipv4.conf.all.arp_announce=2',
      ]),
      `sysctl -qw net.ipv4.conf.${ns}-h.accept_local=1`,
    );
  });
  lines.push('echo lab ready');
  return lines.join('\n');
}
