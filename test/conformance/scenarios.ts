// ONE list of scenarios, run against every engine (the simulator always, the real kernel in a
// QEMU guest when available). Expectations are written out by hand from ipvsadm's and the
// kernel's documented behaviour — the exact ipvsadm commands a plan must consist of (minimality:
// a weight change is one -e, nothing else is touched), the table read back afterwards, and for
// failures the exact op and ipvsadm's exact message. Both engines must meet the same expectations.
import type { DirectorConfigInput } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';

export type Step =
  | {
      /** plan(desired, live) -> apply -> read back must equal desired; plan must be exactly `commands` when given. */
      converge: DirectorConfigInput;
      commands?: string[];
    }
  | {
      /** apply these ops as one batch (they may be wrong on purpose) */
      apply: Op[];
      /** the op (index) that fails and ipvsadm's message; absent: all succeed */
      fails?: { at: number; message: string; exitCode?: number };
      /** the table afterwards: exactly the ops before the failed one applied, none after */
      expect: DirectorConfigInput;
    };

export interface Scenario {
  name: string;
  steps: Step[];
}

// ---- building blocks -------------------------------------------------------------------------

const tcp = (address: string, port: number, rest: Record<string, unknown> = {}) => ({ protocol: 'tcp' as const, address, port, ...rest });
const rs = (address: string, rest: Record<string, unknown> = {}) => ({ address, ...rest });
const cfg = (...services: Record<string, unknown>[]): DirectorConfigInput => ({ services }) as DirectorConfigInput;
/** An IPv6 HTTPS service persistent per /`netmask` prefix, one direct and one NAT real server. */
const v6Web = (netmask: string) => ({
  protocol: 'tcp',
  address: '2001:db8::1',
  port: 443,
  scheduler: 'lc',
  persistence: { timeout: 120, netmask },
  realServers: [rs('2001:db8::10'), rs('2001:db8::11', { forwarding: 'masq', port: 8443 })],
});
const withGlobals = (globals: Record<string, unknown>, ...services: Record<string, unknown>[]): DirectorConfigInput => ({ globals, services }) as DirectorConfigInput;

const svcSpec = (s: Record<string, unknown>) => ({ scheduler: 'wlc', schedFlags: [], onePacket: false, realServers: [], ...s }) as unknown as Extract<Op, { op: 'add-service' }>['service'];
const server = (address: string, port: number, rest: Record<string, unknown> = {}) => ({ address, port, forwarding: 'route' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0, ...rest });
const addService = (s: Record<string, unknown>): Op => ({ op: 'add-service', service: svcSpec(s) });
const editService = (s: Record<string, unknown>): Op => ({ op: 'edit-service', service: svcSpec(s) });
const delService = (key: Record<string, unknown>): Op => ({ op: 'delete-service', service: key }) as Op;
const addServer = (key: Record<string, unknown>, r: ReturnType<typeof server>): Op => ({ op: 'add-server', service: key, server: r }) as Op;
const editServer = (key: Record<string, unknown>, r: ReturnType<typeof server>): Op => ({ op: 'edit-server', service: key, server: r }) as Op;
const delServer = (key: Record<string, unknown>, address: string, port: number): Op => ({ op: 'delete-server', service: key, server: { address, port } }) as Op;

const WEB = { protocol: 'tcp', address: '10.0.0.1', port: 80 };
const web = (servers: Record<string, unknown>[], rest: Record<string, unknown> = {}) => tcp('10.0.0.1', 80, { realServers: servers, ...rest });

export const SCENARIOS: Scenario[] = [
  {
    name: 'TCP service lifecycle: add, weight change, quiesce, scheduler, persistence, remove — each one minimal op',
    steps: [
      {
        converge: cfg(web([rs('10.0.1.1', { weight: 1 }), rs('10.0.1.2', { weight: 2 })])),
        commands: ['ipvsadm -A -t 10.0.0.1:80 -s wlc', 'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1', 'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 2'],
      },
      { converge: cfg(web([rs('10.0.1.1', { weight: 5 }), rs('10.0.1.2', { weight: 2 })])), commands: ['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 5'] },
      { converge: cfg(web([rs('10.0.1.1', { weight: 5 }), rs('10.0.1.2', { weight: 0 })])), commands: ['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 0'] },
      { converge: cfg(web([rs('10.0.1.1', { weight: 5 }), rs('10.0.1.2', { weight: 0 })], { scheduler: 'wrr' })), commands: ['ipvsadm -E -t 10.0.0.1:80 -s wrr'] },
      {
        converge: cfg(web([rs('10.0.1.1', { weight: 5 }), rs('10.0.1.2', { weight: 0 })], { scheduler: 'wrr', persistence: { timeout: 300, netmask: '255.255.255.0' } })),
        commands: ['ipvsadm -E -t 10.0.0.1:80 -s wrr -p 300 -M 255.255.255.0'],
      },
      { converge: cfg(web([rs('10.0.1.1', { weight: 5 }), rs('10.0.1.2', { weight: 0 })], { scheduler: 'wrr' })), commands: ['ipvsadm -E -t 10.0.0.1:80 -s wrr'] },
      { converge: cfg(web([rs('10.0.1.1', { weight: 5 })], { scheduler: 'wrr' })), commands: ['ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.2:80'] },
      { converge: cfg(web([rs('10.0.1.1', { weight: 5, forwarding: 'masq' })], { scheduler: 'wrr' })), commands: ['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 5'] },
      { converge: cfg(), commands: ['ipvsadm -D -t 10.0.0.1:80'] },
    ],
  },
  {
    name: 'UDP with one-packet scheduling, NAT port mapping, sh flags; SCTP',
    steps: [
      {
        converge: cfg(
          {
            protocol: 'udp',
            address: '10.0.0.2',
            port: 53,
            scheduler: 'sh',
            schedFlags: ['sh-fallback', 'sh-port'],
            onePacket: true,
            realServers: [rs('10.0.2.1', { port: 5353, forwarding: 'masq' }), rs('10.0.2.2', { port: 53, forwarding: 'masq', weight: 3 })],
          },
          { protocol: 'sctp', address: '10.0.0.3', port: 3868, scheduler: 'rr', realServers: [rs('10.0.3.1', { forwarding: 'masq' })] },
        ),
        commands: [
          'ipvsadm -A -u 10.0.0.2:53 -s sh -o -b sh-fallback,sh-port',
          'ipvsadm -a -u 10.0.0.2:53 -r 10.0.2.1:5353 -m -w 1',
          'ipvsadm -a -u 10.0.0.2:53 -r 10.0.2.2:53 -m -w 3',
          'ipvsadm -A --sctp-service 10.0.0.3:3868 -s rr',
          'ipvsadm -a --sctp-service 10.0.0.3:3868 -r 10.0.3.1:3868 -m -w 1',
        ],
      },
      {
        converge: cfg(
          {
            protocol: 'udp',
            address: '10.0.0.2',
            port: 53,
            scheduler: 'sh',
            schedFlags: ['sh-port'],
            onePacket: false,
            realServers: [rs('10.0.2.1', { port: 5353, forwarding: 'masq' }), rs('10.0.2.2', { port: 53, forwarding: 'masq', weight: 3 })],
          },
          { protocol: 'sctp', address: '10.0.0.3', port: 3868, scheduler: 'rr', realServers: [rs('10.0.3.1', { forwarding: 'masq' })] },
        ),
        commands: ['ipvsadm -E -u 10.0.0.2:53 -s sh -b sh-port'],
      },
    ],
  },
  {
    name: 'IPv6 services with IPv6 persistence prefix, fwmark IPv4 and IPv6',
    steps: [
      {
        converge: cfg(
          v6Web('64'),
          { protocol: 'fwmark', fwmark: 1, scheduler: 'rr', persistence: { timeout: 60 }, realServers: [rs('10.0.4.1'), rs('10.0.4.2', { weight: 2 })] },
          { protocol: 'fwmark', fwmark: 3, family: 'inet6', scheduler: 'wrr', realServers: [rs('2001:db8::20'), rs('2001:db8::21', { weight: 4 })] },
        ),
        commands: [
          'ipvsadm -A -t [2001:db8::1]:443 -s lc -p 120 -M 64',
          'ipvsadm -a -t [2001:db8::1]:443 -r [2001:db8::10]:443 -g -w 1',
          'ipvsadm -a -t [2001:db8::1]:443 -r [2001:db8::11]:8443 -m -w 1',
          'ipvsadm -A -f 1 -s rr -p 60',
          'ipvsadm -a -f 1 -r 10.0.4.1:0 -g -w 1',
          'ipvsadm -a -f 1 -r 10.0.4.2:0 -g -w 2',
          'ipvsadm -A -f 3 -6 -s wrr',
          'ipvsadm -a -f 3 -6 -r [2001:db8::20]:0 -g -w 1',
          'ipvsadm -a -f 3 -6 -r [2001:db8::21]:0 -g -w 4',
        ],
      },
      {
        converge: cfg(
          v6Web('48'),
          { protocol: 'fwmark', fwmark: 1, scheduler: 'rr', persistence: { timeout: 60 }, realServers: [rs('10.0.4.1'), rs('10.0.4.2', { weight: 2 })] },
          { protocol: 'fwmark', fwmark: 3, family: 'inet6', scheduler: 'wrr', realServers: [rs('2001:db8::21', { weight: 4 })] },
        ),
        commands: ['ipvsadm -E -t [2001:db8::1]:443 -s lc -p 120 -M 48', 'ipvsadm -d -f 3 -6 -r [2001:db8::20]:0'],
      },
    ],
  },
  {
    name: 'Tunnels: ipip, gue with port and every checksum flag, gre, mixed address family',
    steps: [
      {
        converge: cfg(
          tcp('10.0.0.4', 80, {
            scheduler: 'rr',
            realServers: [
              rs('10.0.5.1', { forwarding: 'tunnel' }),
              rs('10.0.5.2', { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6080 }),
              rs('10.0.5.3', { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6081, tunnelChecksum: 'csum' }),
              rs('10.0.5.4', { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6082, tunnelChecksum: 'remcsum' }),
              rs('10.0.5.5', { forwarding: 'tunnel', tunnelType: 'gre', tunnelChecksum: 'csum' }),
              rs('2001:db8::40', { forwarding: 'tunnel' }),
            ],
          }),
        ),
        commands: [
          'ipvsadm -A -t 10.0.0.4:80 -s rr',
          'ipvsadm -a -t 10.0.0.4:80 -r 10.0.5.1:80 -i -w 1 --tun-type ipip',
          'ipvsadm -a -t 10.0.0.4:80 -r 10.0.5.2:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum',
          'ipvsadm -a -t 10.0.0.4:80 -r 10.0.5.3:80 -i -w 1 --tun-type gue --tun-port 6081 --tun-csum',
          'ipvsadm -a -t 10.0.0.4:80 -r 10.0.5.4:80 -i -w 1 --tun-type gue --tun-port 6082 --tun-remcsum',
          'ipvsadm -a -t 10.0.0.4:80 -r 10.0.5.5:80 -i -w 1 --tun-type gre --tun-csum',
          'ipvsadm -a -t 10.0.0.4:80 -r [2001:db8::40]:80 -i -w 1 --tun-type ipip',
        ],
      },
      {
        converge: cfg(
          tcp('10.0.0.4', 80, {
            scheduler: 'rr',
            realServers: [
              rs('10.0.5.1', { forwarding: 'tunnel', tunnelType: 'gre' }),
              rs('10.0.5.2', { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 7000, tunnelChecksum: 'remcsum' }),
              rs('10.0.5.3', { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6081, tunnelChecksum: 'csum' }),
              rs('10.0.5.4', { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6082, tunnelChecksum: 'remcsum' }),
              rs('10.0.5.5', { forwarding: 'route' }),
              rs('2001:db8::40', { forwarding: 'tunnel' }),
            ],
          }),
        ),
        commands: [
          'ipvsadm -e -t 10.0.0.4:80 -r 10.0.5.1:80 -i -w 1 --tun-type gre --tun-nocsum',
          'ipvsadm -e -t 10.0.0.4:80 -r 10.0.5.2:80 -i -w 1 --tun-type gue --tun-port 7000 --tun-remcsum',
          'ipvsadm -e -t 10.0.0.4:80 -r 10.0.5.5:80 -g -w 1',
        ],
      },
    ],
  },
  {
    name: 'Thresholds (which ipvsadm -S does not save) are read back and changed in place',
    steps: [
      {
        converge: cfg(web([rs('10.0.1.1', { upperThreshold: 100, lowerThreshold: 50 }), rs('10.0.1.2', { upperThreshold: 1000 })])),
        commands: ['ipvsadm -A -t 10.0.0.1:80 -s wlc', 'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1 -x 100 -y 50', 'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1 -x 1000'],
      },
      {
        converge: cfg(web([rs('10.0.1.1', { upperThreshold: 200, lowerThreshold: 50 }), rs('10.0.1.2')])),
        commands: ['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1 -x 200 -y 50', 'ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1'],
      },
    ],
  },
  {
    name: 'SIP persistence engine, mh flags, flag-N on other schedulers, weight 0 from the start',
    steps: [
      {
        converge: cfg(
          tcp('10.0.0.5', 80, { scheduler: 'mh', schedFlags: ['mh-fallback', 'mh-port'], realServers: [rs('10.0.6.1', { weight: 0 }), rs('10.0.6.2')] }),
          tcp('10.0.0.6', 80, { scheduler: 'rr', schedFlags: ['flag-1', 'flag-3'], realServers: [rs('10.0.6.3')] }),
          { protocol: 'udp', address: '10.0.0.7', port: 5060, scheduler: 'rr', persistence: { timeout: 60, pe: 'sip' }, realServers: [rs('10.0.6.4', { forwarding: 'masq' })] },
        ),
        commands: [
          'ipvsadm -A -t 10.0.0.5:80 -s mh -b mh-fallback,mh-port',
          'ipvsadm -a -t 10.0.0.5:80 -r 10.0.6.1:80 -g -w 0',
          'ipvsadm -a -t 10.0.0.5:80 -r 10.0.6.2:80 -g -w 1',
          'ipvsadm -A -t 10.0.0.6:80 -s rr -b flag-1,flag-3',
          'ipvsadm -a -t 10.0.0.6:80 -r 10.0.6.3:80 -g -w 1',
          'ipvsadm -A -u 10.0.0.7:5060 -s rr -p 60 --pe sip',
          'ipvsadm -a -u 10.0.0.7:5060 -r 10.0.6.4:5060 -m -w 1',
        ],
      },
      {
        converge: cfg(
          tcp('10.0.0.5', 80, { scheduler: 'mh', schedFlags: ['mh-fallback', 'mh-port'], realServers: [rs('10.0.6.1', { weight: 0 }), rs('10.0.6.2')] }),
          tcp('10.0.0.6', 80, { scheduler: 'rr', schedFlags: ['flag-1', 'flag-3'], realServers: [rs('10.0.6.3')] }),
          { protocol: 'udp', address: '10.0.0.7', port: 5060, scheduler: 'rr', persistence: { timeout: 90 }, realServers: [rs('10.0.6.4', { forwarding: 'masq' })] },
        ),
        commands: ['ipvsadm -E -u 10.0.0.7:5060 -s rr -p 90'],
      },
    ],
  },
  {
    name: 'Timeouts and a sync daemon',
    steps: [
      { converge: withGlobals({ timeouts: { tcp: 800, tcpfin: 100, udp: 200 } }), commands: ['ipvsadm --set 800 100 200'] },
      {
        converge: withGlobals({ timeouts: { tcp: 800, tcpfin: 100, udp: 200 }, syncDaemons: [{ state: 'master', interface: 'lo', syncId: 3 }] }),
        commands: ['ipvsadm --start-daemon master --mcast-interface lo --syncid 3'],
      },
      {
        // the guest has a multicast dummy interface sync0 (kernel.ts); every optional field set
        converge: withGlobals({
          timeouts: { tcp: 800, tcpfin: 100, udp: 200 },
          syncDaemons: [
            { state: 'master', interface: 'lo', syncId: 3 },
            { state: 'backup', interface: 'sync0', syncId: 9, maxLen: 1400, group: '239.1.2.3', port: 8850, ttl: 2 },
          ],
        }),
        commands: ['ipvsadm --start-daemon backup --mcast-interface sync0 --syncid 9 --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 8850 --mcast-ttl 2'],
      },
      {
        converge: withGlobals({ timeouts: { tcp: 900, tcpfin: 120, udp: 300 } }),
        commands: ['ipvsadm --set 900 120 300', 'ipvsadm --stop-daemon master --syncid 3', 'ipvsadm --stop-daemon backup --syncid 9'],
      },
    ],
  },
  {
    name: 'Kernel refusals: same op, same message on both engines',
    steps: [
      { converge: cfg(web([rs('10.0.1.1')])) },
      { apply: [addService({ ...WEB, scheduler: 'rr' })], fails: { at: 0, message: 'Service already exists' }, expect: cfg(web([rs('10.0.1.1')])) },
      { apply: [addServer(WEB, server('10.0.1.1', 80))], fails: { at: 0, message: 'Destination already exists' }, expect: cfg(web([rs('10.0.1.1')])) },
      { apply: [editService({ ...tcp('10.0.0.99', 80), scheduler: 'rr' })], fails: { at: 0, message: 'No such service' }, expect: cfg(web([rs('10.0.1.1')])) },
      { apply: [delService(tcp('10.0.0.99', 80))], fails: { at: 0, message: 'No such service' }, expect: cfg(web([rs('10.0.1.1')])) },
      { apply: [addServer(tcp('10.0.0.99', 80), server('10.0.1.1', 80))], fails: { at: 0, message: 'Service not defined' }, expect: cfg(web([rs('10.0.1.1')])) },
      { apply: [editServer(WEB, server('10.0.1.9', 80, { weight: 3 }))], fails: { at: 0, message: 'No such destination' }, expect: cfg(web([rs('10.0.1.1')])) },
      { apply: [delServer(WEB, '10.0.1.9', 80)], fails: { at: 0, message: 'No such destination' }, expect: cfg(web([rs('10.0.1.1')])) },
      { apply: [addService({ ...tcp('10.0.0.2', 80), scheduler: 'bogus' })], fails: { at: 0, message: 'Scheduler or persistence engine not found' }, expect: cfg(web([rs('10.0.1.1')])) },
      { apply: [addServer(WEB, server('10.0.1.2', 80, { upperThreshold: 10, lowerThreshold: 20 }))], fails: { at: 0, message: 'Numerical result out of range' }, expect: cfg(web([rs('10.0.1.1')])) },
      {
        apply: [addServer(WEB, server('224.0.0.1', 80))],
        fails: { at: 0, message: 'Invalid operation.  Possibly wrong module version, address not unicast, ...' },
        expect: cfg(web([rs('10.0.1.1')])),
      },
      { apply: [{ op: 'stop-daemon', state: 'backup' }], fails: { at: 0, message: 'No daemon is running' }, expect: cfg(web([rs('10.0.1.1')])) },
      { apply: [addService(tcp('10.0.0.8', 0))], fails: { at: 0, message: 'Zero port specified for non-persistent service', exitCode: 2 }, expect: cfg(web([rs('10.0.1.1')])) },
    ],
  },
  {
    name: 'A batch failing in the middle: the failed op is named, earlier ops stay, later ops leave no trace',
    steps: [
      { converge: cfg(web([rs('10.0.1.1', { weight: 1 })]), tcp('10.0.0.9', 80, { realServers: [rs('10.0.9.1')] })) },
      {
        // the kernel refuses the third op (multicast real server); -R runs on after it, the engine must undo that
        apply: [
          addService({ ...tcp('10.0.0.2', 80), scheduler: 'rr' }),
          addServer(tcp('10.0.0.2', 80), server('10.0.2.1', 80)),
          addServer(tcp('10.0.0.2', 80), server('224.0.0.1', 80)),
          addService({ ...tcp('10.0.0.3', 80), scheduler: 'rr' }),
          addServer(tcp('10.0.0.3', 80), server('10.0.3.1', 80)),
          editServer(WEB, server('10.0.1.1', 80, { weight: 9 })),
          delService(tcp('10.0.0.9', 80)),
        ],
        fails: { at: 2, message: 'Invalid operation.  Possibly wrong module version, address not unicast, ...' },
        expect: cfg(web([rs('10.0.1.1', { weight: 1 })]), tcp('10.0.0.2', 80, { scheduler: 'rr', realServers: [rs('10.0.2.1')] }), tcp('10.0.0.9', 80, { realServers: [rs('10.0.9.1')] })),
      },
      {
        // a conflict with the live table in the middle
        apply: [addService({ ...tcp('10.0.0.4', 80), scheduler: 'rr' }), addService({ ...WEB, scheduler: 'rr' }), addService({ ...tcp('10.0.0.5', 80), scheduler: 'rr' })],
        fails: { at: 1, message: 'Service already exists' },
        expect: cfg(
          web([rs('10.0.1.1', { weight: 1 })]),
          tcp('10.0.0.2', 80, { scheduler: 'rr', realServers: [rs('10.0.2.1')] }),
          tcp('10.0.0.4', 80, { scheduler: 'rr' }),
          tcp('10.0.0.9', 80, { realServers: [rs('10.0.9.1')] }),
        ),
      },
      {
        // an argument error ipvsadm itself raises, in the middle
        apply: [addService({ ...tcp('10.0.0.6', 80), scheduler: 'rr' }), addService(tcp('10.0.0.7', 0)), delService(tcp('10.0.0.9', 80))],
        fails: { at: 1, message: 'Zero port specified for non-persistent service', exitCode: 2 },
        expect: cfg(
          web([rs('10.0.1.1', { weight: 1 })]),
          tcp('10.0.0.2', 80, { scheduler: 'rr', realServers: [rs('10.0.2.1')] }),
          tcp('10.0.0.4', 80, { scheduler: 'rr' }),
          tcp('10.0.0.6', 80, { scheduler: 'rr' }),
          tcp('10.0.0.9', 80, { realServers: [rs('10.0.9.1')] }),
        ),
      },
      {
        // and a batch that works is applied whole
        apply: [delService(tcp('10.0.0.4', 80)), delService(tcp('10.0.0.6', 80)), editServer(WEB, server('10.0.1.1', 80, { weight: 9 })), delServer(tcp('10.0.0.2', 80), '10.0.2.1', 80)],
        expect: cfg(web([rs('10.0.1.1', { weight: 9 })]), tcp('10.0.0.2', 80, { scheduler: 'rr' }), tcp('10.0.0.9', 80, { realServers: [rs('10.0.9.1')] })),
      },
    ],
  },
];
