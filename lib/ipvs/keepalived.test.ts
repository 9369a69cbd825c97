import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseKeepalivedConf, toKeepalivedConf } from './keepalived';
import { RulesParseError } from './errors';
import { parseRules } from './rules';
import { DirectorConfigSchema, type DirectorConfig } from './model';
import { fixture } from './__fixtures__/load';
import { configArb } from './__fixtures__/arbitraries';

/** What keepalived.conf can carry (see keepalived.ts). */
function keepalivedView(c: DirectorConfig): DirectorConfig {
  const d = c.globals.syncDaemons;
  const pair = d.length === 2 && JSON.stringify({ ...d[0], state: '' }) === JSON.stringify({ ...d[1], state: '' });
  return DirectorConfigSchema.parse({
    globals: { timeouts: c.globals.timeouts, syncDaemons: pair ? d : [] },
    services: c.services.map((s) => ({
      ...s,
      healthCheck: s.healthCheck && s.realServers.length ? { ...s.healthCheck, rise: 2, bodyMatch: undefined, path: s.healthCheck.type === 'tcp' ? '/' : s.healthCheck.path } : undefined,
      realServers: s.realServers.map(({ drain, ...r }) => (drain ? { ...r, weight: 0 } : r)),
    })),
  });
}

describe('keepalived.conf', () => {
  it('exports every kind of service of fixture 076 and imports it back', () => {
    const config = parseRules(fixture('076_save_all_n').stdout);
    const text = toKeepalivedConf(config);
    expect(text).toContain('virtual_server 10.0.0.4 80 {\n    protocol TCP\n    lvs_sched wlc\n');
    expect(text).toContain('    real_server 192.168.10.32 80 {\n        weight 1\n        lvs_method TUN type gue port 6080 nocsum\n    }');
    expect(text).toContain('    real_server 192.168.10.33 80 {\n        weight 1\n        lvs_method TUN type gre csum\n    }');
    expect(text).toContain('virtual_server fwmark 3 {\n    ip_family inet6\n    lvs_sched rr\n');
    expect(text).toContain('virtual_server 10.0.0.7 5060 {\n    protocol UDP\n    lvs_sched rr\n    persistence_timeout 60\n    persistence_engine sip\n');
    expect(text).toContain('    mh-fallback\n    mh-port\n');
    expect(parseKeepalivedConf(text)).toEqual(config);
  });

  it('health checks, thresholds, timeouts and a sync daemon pair', () => {
    const config = DirectorConfigSchema.parse({
      globals: { timeouts: { tcp: 3600, tcpfin: 60, udp: 120 }, syncDaemons: [{ state: 'master', interface: 'eth1', syncId: 7, maxLen: 1400 }, { state: 'backup', interface: 'eth1', syncId: 7, maxLen: 1400 }] },
      services: [{ protocol: 'tcp', address: '2001:db8::1', port: 443, scheduler: 'wlc', healthCheck: { type: 'https', path: '/healthz', expectStatus: 204, timeout: 3, fall: 4, interval: 10, port: 8443 }, realServers: [{ address: '2001:db8::10', weight: 5, upperThreshold: 100, lowerThreshold: 20 }] }],
    });
    const text = toKeepalivedConf(config);
    expect(text).toBe(
      [
        '# keepalived.conf (LVS part), exported by LVS Console',
        '',
        'global_defs {',
        '    lvs_timeouts tcp 3600 tcpfin 60 udp 120',
        '    lvs_sync_daemon eth1 id 7 maxlen 1400',
        '}',
        '',
        'virtual_server 2001:db8::1 443 {',
        '    protocol TCP',
        '    lvs_sched wlc',
        '    delay_loop 10',
        '    inhibit_on_failure',
        '',
        '    real_server 2001:db8::10 443 {',
        '        weight 5',
        '        lvs_method DR',
        '        uthreshold 100',
        '        lthreshold 20',
        '        SSL_GET {',
        '            url {',
        '                path /healthz',
        '                status_code 204',
        '            }',
        '            connect_port 8443',
        '            connect_timeout 3',
        '            retry 3',
        '        }',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    expect(parseKeepalivedConf(text)).toEqual(config);
  });

  it('imports hand-written configs: old keywords, comments, NAT default, fwmark, quoted strings', () => {
    const c = parseKeepalivedConf(`! Configuration File for keepalived
global_defs {
   router_id LVS_DEVEL
}
vrrp_instance VI_1 {
    state MASTER
    virtual_ipaddress {
        10.0.22.159
    }
}
virtual_server 10.0.22.159 10000 {   # the VIP
    delay_loop 15
    lb_algo rr
    lb_kind DR
    persistence_timeout
    protocol TCP
    real_server 10.0.22.151 10000 {
        weight 1
        TCP_CHECK {
            connect_port 10000
            connect_timeout 3
            nb_get_retry 3
            delay_before_retry 3
        }
    }
}
virtual_server fwmark 5 {
    lvs_sched wlc
    real_server 192.168.0.9 0 {
    }
}
virtual_server 10.0.0.1 80 {
    real_server 192.168.0.8 8080 {
        weight "3"
    }
}
`);
    expect(c.services.map((s) => (s.protocol === 'fwmark' ? `fwm ${s.fwmark}` : `${s.address}:${s.port} ${s.scheduler} ${JSON.stringify(s.persistence)}`))).toEqual(['10.0.0.1:80 wlc undefined', '10.0.22.159:10000 rr {"timeout":360}', 'fwm 5']);
    expect(c.services[1]!.realServers[0]).toMatchObject({ forwarding: 'route', weight: 1 });
    expect(c.services[1]!.healthCheck).toMatchObject({ type: 'tcp', port: 10000, timeout: 3, fall: 4, interval: 15, onFailure: 'remove' });
    // keepalived's default forwarding is NAT
    expect(c.services[0]!.realServers[0]).toMatchObject({ address: '192.168.0.8', port: 8080, forwarding: 'masq', weight: 3 });
    expect(c.services[2]!.realServers[0]).toMatchObject({ forwarding: 'masq', port: 0 });
  });

  it('errors carry the line and the reason; model rules apply', () => {
    try {
      parseKeepalivedConf('virtual_server 10.0.0.1 80 {\n    lvs_sched nope\n    sorry_server 10.0.0.9 80\n    real_server 10.0.1.1 80 {\n        weight -2\n        lvs_method TUN type gue\n    }\n    real_server www.example.com 80 {\n    }\n}\nvirtual_server group G1 {\n}\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RulesParseError);
      const issues = (e as RulesParseError).issues;
      expect(issues.map((i) => i.line)).toEqual([2, 3, 5, 6, 8, 11]);
      expect(issues.find((i) => i.line === 2)!).toMatchObject({ path: 'services[0].scheduler', message: expect.stringMatching(/scheduler must be one of/) });
      expect(issues.find((i) => i.line === 3)!.message).toMatch(/sorry_server is a keepalived runtime feature/);
      expect(issues.find((i) => i.line === 6)!.message).toMatch(/lvs_method must be NAT, DR or TUN/);
      expect(issues.find((i) => i.line === 5)!.path).toBe('services[0].realServers[0].weight');
    }
    expect(() => parseKeepalivedConf('virtual_server 10.0.0.1 80 {\n')).toThrow(/not closed/);
  });

  it('round trip: export then import gives what keepalived can carry', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 5, globals: true, overlays: true }), (c) => {
        expect(parseKeepalivedConf(toKeepalivedConf(c))).toEqual(keepalivedView(c));
      }),
      { numRuns: 200 },
    );
  });
});
