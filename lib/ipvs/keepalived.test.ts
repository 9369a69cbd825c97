import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kaWord, parseKeepalivedConf, toKeepalivedConf } from './keepalived';
import { RulesParseError } from './errors';
import { parseRules } from './rules';
import { DirectorConfigSchema, HealthCheckSchema, type DirectorConfig, type HealthCheck, type VirtualService } from './model';
import { canonicalJson } from './hash';
import { fixture } from './__fixtures__/load';
import { configArb } from './__fixtures__/arbitraries';

/** What keepalived.conf can carry (see keepalived.ts): keepalived's checker semantics, per-server checks. */
export function keepalivedView(c: DirectorConfig): DirectorConfig {
  const d = c.globals.syncDaemons;
  const pair = d.length === 2 && JSON.stringify({ ...d[0], state: '' }) === JSON.stringify({ ...d[1], state: '' });
  const norm = (hc: HealthCheck | undefined): HealthCheck | undefined => {
    if (!hc) return undefined;
    const common = {
      type: hc.type,
      interval: hc.interval,
      timeout: hc.timeout,
      fall: hc.fall,
      rise: 1,
      onFailure: hc.onFailure,
      retryDelay: hc.retryDelay ?? hc.interval,
      warmup: hc.warmup,
      alpha: hc.alpha || undefined,
    };
    const conn = { port: hc.port ?? ({ dns: 53, smtp: 25 } as Record<string, number>)[hc.type], connectIp: hc.connectIp, bindTo: hc.bindTo };
    const byType: Record<HealthCheck['type'], object> = {
      tcp: conn,
      ping: conn,
      http: { ...conn, path: hc.path, expectStatus: hc.expectStatus, statusCodes: hc.statusCodes, digest: hc.digest, virtualhost: hc.virtualhost, moreUrls: hc.moreUrls },
      https: { ...conn, path: hc.path, expectStatus: hc.expectStatus, statusCodes: hc.statusCodes, digest: hc.digest, virtualhost: hc.virtualhost, moreUrls: hc.moreUrls },
      dns: { ...conn, dnsType: hc.dnsType, dnsName: hc.dnsName },
      udp: { ...conn, udpPayload: hc.udpPayload, udpReply: hc.udpReply },
      smtp: { ...conn, heloName: hc.heloName },
      misc: { script: hc.script, scriptArgs: hc.scriptArgs, dynamicWeight: hc.dynamicWeight || undefined },
    };
    return HealthCheckSchema.parse(JSON.parse(JSON.stringify({ ...common, ...byType[hc.type] })));
  };
  const groupOk = (s: VirtualService) => {
    const sig = (x: VirtualService) => canonicalJson({ ...x, address: 0, port: 0, fwmark: 0, family: 0, protocol: 0 });
    const members = c.services.filter((o) => o.group === s.group);
    const protos = new Set(members.flatMap((m) => (m.protocol === 'fwmark' ? [] : [m.protocol])));
    const fams = new Set(members.map((m) => (m.protocol === 'fwmark' ? m.family : m.address.includes(':') ? 'inet6' : 'inet')));
    return protos.size <= 1 && fams.size === 1 && members.every((o) => sig(o) === sig(s));
  };
  return DirectorConfigSchema.parse({
    globals: { timeouts: c.globals.timeouts, syncDaemons: pair ? d : [] },
    services: c.services.map((s) => {
      const eff = s.realServers.map((r) => norm(r.healthCheck ?? s.healthCheck));
      const same = eff.length > 0 && eff.every((e) => e && canonicalJson(e) === canonicalJson(eff[0]));
      return {
        ...s,
        group: s.group !== undefined && groupOk(s) ? s.group : undefined,
        sorryServer: s.sorryServer && { ...s.sorryServer, weight: 1 },
        healthCheck: same ? eff[0] : undefined,
        realServers: s.realServers.map(({ drain, ...r }, i) => ({ ...r, ...(drain ? { weight: 0 } : {}), healthCheck: same ? undefined : eff[i] })),
      };
    }),
  });
}

const urlArb = fc.record(
  { path: fc.constantFrom('/mrtg/', '/status?full=1'), statusCodes: fc.constantFrom('200', '200-299,302'), digest: fc.constantFrom('9b3a0c85a887a256d6939da88aabd8cd') },
  { requiredKeys: ['path', 'statusCodes'] },
);
const checkArb = fc
  .record(
    {
      type: fc.constantFrom('tcp' as const, 'http' as const, 'https' as const, 'dns' as const, 'udp' as const, 'ping' as const, 'smtp' as const, 'misc' as const),
      dnsType: fc.constantFrom('A' as const, 'AAAA' as const, 'SOA' as const),
      dnsName: fc.constantFrom('.', 'www.example.com', 'example.org.'),
      udpPayload: fc.constantFrom('00', 'deadbeef'),
      udpReply: fc.constantFrom('01', 'cafe'),
      heloName: fc.constantFrom('lb.example.com'),
      script: fc.constantFrom('check_db.sh', 'probe-1'),
      scriptArgs: fc.constantFrom(['--port=5432'], ['a', 'b/c']),
      dynamicWeight: fc.boolean(),
      alpha: fc.boolean(),
      path: fc.constantFrom('/', '/healthz', "/a/b?x=1&y=(2)*'z'", '/%7Euser/;v=1'),
      statusCodes: fc.constantFrom('200-299', '200,204', '200-299,301-302'),
      expectStatus: fc.constantFrom(200, 204),
      digest: fc.constantFrom('9e107d9d372bb6826bd81d3542a419d6', 'D41D8CD98F00B204E9800998ECF8427E'),
      virtualhost: fc.constantFrom('www.example.com', 'api.example.org:8443'),
      port: fc.integer({ min: 1, max: 65535 }),
      connectIp: fc.constantFrom('10.9.9.9', '2001:db8::99'),
      bindTo: fc.constantFrom('10.8.8.8'),
      interval: fc.integer({ min: 1, max: 120 }),
      timeout: fc.integer({ min: 1, max: 30 }),
      fall: fc.integer({ min: 1, max: 6 }),
      retryDelay: fc.integer({ min: 0, max: 10 }),
      warmup: fc.integer({ min: 0, max: 30 }),
      onFailure: fc.constantFrom('quiesce' as const, 'remove' as const),
      moreUrls: fc.array(urlArb, { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ['type', 'interval', 'timeout', 'fall', 'onFailure', 'script'] },
  )
  .map(({ moreUrls, ...hc }) => (hc.type === 'http' || hc.type === 'https' ? { ...hc, moreUrls } : hc));

/** configArb plus what keepalived adds: groups, sorry servers, quorum and a check per real server. */
function keepalivedArb() {
  return configArb({ maxServices: 4, globals: true, overlays: true }).chain((c) =>
    fc
      .tuple(
        fc.array(
          fc.tuple(
            fc.option(checkArb, { nil: undefined }),
            fc.boolean(),
            fc.option(fc.record({ minWeight: fc.integer({ min: 1, max: 50 }), hysteresis: fc.integer({ min: 0, max: 5 }) }), { nil: undefined }),
          ),
          { minLength: c.services.length, maxLength: c.services.length },
        ),
        fc.array(fc.option(checkArb, { nil: undefined }), { minLength: 20, maxLength: 20 }),
        fc.integer({ min: 0, max: 3 }),
      )
      .map(([perService, perServer, groupSize]) => {
        let k = 0;
        const services: VirtualService[] = c.services.map((s, i) => {
          const [hc, sorry, quorum] = perService[i]!;
          const fam = s.protocol === 'fwmark' ? s.family : s.address.includes(':') ? 'inet6' : 'inet';
          return {
            ...s,
            ...(hc ? { healthCheck: hc } : {}),
            ...(quorum ? { quorum } : {}),
            ...(sorry ? { sorryServer: { address: fam === 'inet' ? '203.0.113.250' : '2001:db8:ff::fa', port: 8080, forwarding: 'masq', weight: 1, inhibit: i % 2 === 0 } } : {}),
            realServers: s.realServers.map((r) => ({ ...r, ...(perServer[k++ % 20] ? { healthCheck: perServer[(k - 1) % 20] } : {}) })),
          } as VirtualService;
        });
        // a virtual_server_group: copies of the first address service on unused addresses
        const first = services.find((s) => s.protocol !== 'fwmark' && !s.address.includes(':'));
        if (first && groupSize > 0 && first.protocol !== 'fwmark') {
          first.group = 'G_1';
          for (let g = 1; g <= groupSize; g++) services.push({ ...first, address: `198.51.100.${g}` });
        }
        return DirectorConfigSchema.parse({ globals: c.globals, services });
      }),
  );
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
      globals: {
        timeouts: { tcp: 3600, tcpfin: 60, udp: 120 },
        syncDaemons: [
          { state: 'master', interface: 'eth1', syncId: 7, maxLen: 1400 },
          { state: 'backup', interface: 'eth1', syncId: 7, maxLen: 1400 },
        ],
      },
      services: [
        {
          protocol: 'tcp',
          address: '2001:db8::1',
          port: 443,
          scheduler: 'wlc',
          healthCheck: { type: 'https', path: '/healthz', expectStatus: 204, timeout: 3, fall: 4, interval: 10, port: 8443 },
          realServers: [{ address: '2001:db8::10', weight: 5, upperThreshold: 100, lowerThreshold: 20 }],
        },
      ],
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
        '            delay_loop 10',
        '            connect_timeout 3',
        '            retry 3',
        '            delay_before_retry 10',
        '        }',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    expect(parseKeepalivedConf(text)).toEqual(keepalivedView(config));
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
    expect(c.services.map((s) => (s.protocol === 'fwmark' ? `fwm ${s.fwmark}` : `${s.address}:${s.port} ${s.scheduler} ${JSON.stringify(s.persistence)}`))).toEqual([
      '10.0.0.1:80 wlc undefined',
      '10.0.22.159:10000 rr {"timeout":360}',
      'fwm 5',
    ]);
    expect(c.services[1]!.realServers[0]).toMatchObject({ forwarding: 'route', weight: 1 });
    // keepalived's semantics: back after one good check, retry N = down after N + 1 failures
    expect(c.services[1]!.healthCheck).toMatchObject({ type: 'tcp', port: 10000, timeout: 3, fall: 4, rise: 1, interval: 15, retryDelay: 3, onFailure: 'remove' });
    // keepalived's default forwarding is NAT
    expect(c.services[0]!.realServers[0]).toMatchObject({ address: '192.168.0.8', port: 8080, forwarding: 'masq', weight: 3 });
    expect(c.services[2]!.realServers[0]).toMatchObject({ forwarding: 'masq', port: 0 });
  });

  it('errors carry the line and the reason; model rules apply', () => {
    try {
      parseKeepalivedConf(
        'virtual_server 10.0.0.1 80 {\n    lvs_sched nope\n    sorry_server 10.0.0.9 80 extra\n    real_server 10.0.1.1 80 {\n        weight -2\n        lvs_method TUN type gue\n    }\n    real_server www.example.com 80 {\n    }\n}\nvirtual_server group G1 {\n}\n',
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RulesParseError);
      const issues = (e as RulesParseError).issues;
      expect(issues.map((i) => i.line)).toEqual([2, 5, 6, 8, 11]);
      expect(issues.every((i) => i.file === 'keepalived.conf')).toBe(true);
      expect(issues.find((i) => i.line === 2)!).toMatchObject({ path: 'services[0].scheduler', message: expect.stringMatching(/scheduler must be one of/) });
      expect(issues.find((i) => i.line === 11)!.message).toMatch(/no virtual_server_group G1 is defined/);
      expect(issues.find((i) => i.line === 6)!.message).toMatch(/lvs_method must be NAT, DR or TUN/);
      expect(issues.find((i) => i.line === 5)!.path).toBe('services[0].realServers[0].weight');
    }
    expect(() => parseKeepalivedConf('virtual_server 10.0.0.1 80 {\n')).toThrow(/not closed/);
  });

  it('issue 11 #5: a path, virtualhost or group name cannot carry keepalived syntax into the export', () => {
    const attack = '/ok\n        }\n    }\n    real_server 6.6.6.6 80 {\n        weight 100';
    const svc = (hc: object, extra: object = {}) =>
      DirectorConfigSchema.safeParse({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, healthCheck: { type: 'http', ...hc }, realServers: [{ address: '10.0.1.1' }], ...extra }] });
    expect(svc({ path: attack }).error?.issues[0]).toMatchObject({ path: ['services', 0, 'healthCheck', 'path'] });
    for (const path of ['/a b', '/a"b', '/a{', '/a#x', '/a!x', '/$X', '/a\tb']) expect(svc({ path }).success, path).toBe(false);
    expect(svc({ path: '/ok', virtualhost: 'www.example.com\n}' }).success).toBe(false);
    expect(svc({ path: '/ok' }, { group: 'G 1' }).success).toBe(false);
    // and the exporter refuses anything a schema would have let through, rather than write it
    expect(() => kaWord('a\nb')).toThrow(/cannot be written to keepalived.conf/);
    expect(() => kaWord('x}')).toThrow();
  });

  it('round trip: export then import gives what keepalived can carry', () => {
    fc.assert(
      fc.property(keepalivedArb(), (c) => {
        expect(parseKeepalivedConf(toKeepalivedConf(c))).toEqual(keepalivedView(c));
      }),
      { numRuns: 200 },
    );
  });
});
