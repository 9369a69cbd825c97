import { describe, expect, it } from 'vitest';
import { DirectorConfigSchema } from './model';
import { configHash } from './hash';
import { plan } from './plan';
import { opToCommandLine, opsToRestoreBatch, summarizeOps } from './ops';
import { diffConfigs } from './diff';
import { parseSysctlConf, parseSysctlValue, SYSCTL_NAMES, SYSCTL_TABLE, sysctlsToConf, type Sysctls } from './sysctls';

const withSysctls = (sysctls: object | undefined) => DirectorConfigSchema.parse({ globals: sysctls ? { sysctls } : {} });

describe('the IPVS settings table', () => {
  it('lists every setting a Debian 6.1 kernel has, with a default inside its own range', () => {
    // as `ls /proc/sys/net/ipv4/vs` showed in the guest (lblc/lblcr_expiration once those schedulers are loaded)
    expect(SYSCTL_NAMES).toEqual([
      'am_droprate', 'amemthresh', 'backup_only', 'cache_bypass', 'conn_reuse_mode', 'conntrack', 'drop_entry', 'drop_packet', 'expire_nodest_conn',
      'expire_quiescent_template', 'ignore_tunneled', 'lblc_expiration', 'lblcr_expiration', 'nat_icmp_send', 'pmtu_disc', 'run_estimation', 'schedule_icmp',
      'secure_tcp', 'sloppy_sctp', 'sloppy_tcp', 'snat_reroute', 'sync_persist_mode', 'sync_ports', 'sync_qlen_max', 'sync_refresh_period', 'sync_retries',
      'sync_sock_size', 'sync_threshold', 'sync_version',
    ]); // prettier-ignore
    for (const n of SYSCTL_NAMES) {
      const d = SYSCTL_TABLE[n].kernelDefault;
      if (d !== null) expect(parseSysctlValue(n, Array.isArray(d) ? d.join('\t') : String(d)), n).toMatchObject({ ok: true });
    }
  });

  it('refuses out-of-range values and unknown names with their paths', () => {
    const r = DirectorConfigSchema.safeParse({ globals: { sysctls: { expire_nodest_conn: 2, sync_ports: 3, sync_threshold: [50, 3], expire_nodest: 1 } } });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues).toEqual(
      expect.arrayContaining([
        ['globals.sysctls.expire_nodest_conn', 'expire_nodest_conn is 0 or 1'],
        ['globals.sysctls.sync_ports', 'sync_ports must be a power of two'],
        ['globals.sysctls.sync_threshold', 'sync_threshold: the threshold must be below the period (or the period 0)'],
        ['globals.sysctls', expect.stringContaining('unknown IPVS setting expire_nodest')],
      ]),
    );
  });

  it('no settings hash as before (no key); settings change the hash and the diff', () => {
    expect(withSysctls({})).toEqual(withSysctls(undefined));
    expect('sysctls' in withSysctls({}).globals).toBe(false);
    const on = withSysctls({ expire_quiescent_template: 1 });
    expect(configHash(on)).not.toBe(configHash(withSysctls(undefined)));
    expect(JSON.stringify(diffConfigs(withSysctls(undefined), on))).toContain('expire_quiescent_template');
  });
});

describe('planning the settings', () => {
  const live = withSysctls({ expire_nodest_conn: 0, expire_quiescent_template: 0, sync_threshold: [3, 50], conn_reuse_mode: 1 });

  it('sets only what differs, first, and leaves absent settings alone', () => {
    const desired = DirectorConfigSchema.parse({
      globals: { sysctls: { expire_quiescent_template: 1, conn_reuse_mode: 1, sync_threshold: [5, 100] } },
      services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80 }],
    });
    const ops = plan(desired, live);
    expect(ops.map(opToCommandLine)).toEqual(['sysctl -w net.ipv4.vs.expire_quiescent_template=1', "sysctl -w net.ipv4.vs.sync_threshold='5 100'", 'ipvsadm -A -t 10.0.0.1:80 -s wlc']);
    expect(summarizeOps(ops)).toBe('+1 service, 2 IPVS settings set');
    expect(() => opsToRestoreBatch(ops)).toThrow(/not part of an ipvsadm -R batch/);
    expect(plan(withSysctls(undefined), live)).toEqual([]);
  });

  it('a setting changed by hand is drift: planning the applied revision against the live table finds it', () => {
    const applied = withSysctls({ expire_nodest_conn: 1 });
    expect(plan(applied, withSysctls({ expire_nodest_conn: 0 }))).toEqual([{ op: 'set-sysctl', name: 'expire_nodest_conn', value: 1 }]);
  });
});

describe('sysctl.conf lines', () => {
  it('export then import is the identity', () => {
    const s: Sysctls = { expire_nodest_conn: 1, sync_threshold: [3, 50], amemthresh: 2048 };
    const text = sysctlsToConf(s);
    expect(text).toBe('net.ipv4.vs.amemthresh = 2048\nnet.ipv4.vs.expire_nodest_conn = 1\nnet.ipv4.vs.sync_threshold = 3 50\n');
    expect(parseSysctlConf(text)).toEqual({ sysctls: s, errors: [], ignored: 0 });
  });

  it('reads sysctl(8) syntax and names the file and line of every bad one', () => {
    const text = [
      '# IPVS',
      'net.ipv4.vs.conn_reuse_mode=0',
      '; comment',
      'net/ipv4/vs/sloppy_tcp = 1',
      'net.ipv4.ip_forward = 1',
      'net.ipv4.vs.nope = 1',
      'net.ipv4.vs.drop_entry = 9',
      'garbage',
      'net.ipv4.vs.conn_reuse_mode = 2',
    ].join('\n');
    const r = parseSysctlConf(text, '90-lvs.conf');
    expect(r.sysctls).toEqual({ conn_reuse_mode: 0, sloppy_tcp: 1 });
    expect(r.errors).toEqual([
      { file: '90-lvs.conf', line: 5, message: 'net.ipv4.ip_forward is not an IPVS setting (net.ipv4.vs.*)' },
      { file: '90-lvs.conf', line: 6, message: 'unknown IPVS setting net.ipv4.vs.nope' },
      { file: '90-lvs.conf', line: 7, message: 'drop_entry must be 0–3' },
      { file: '90-lvs.conf', line: 8, message: 'expected "key = value", found "garbage"' },
      { file: '90-lvs.conf', line: 9, message: 'net.ipv4.vs.conn_reuse_mode is set twice (also line 2)' },
    ]);
    expect(parseSysctlConf('net.ipv4.ip_forward = 1\n', 'f', { ignoreOthers: true })).toEqual({ sysctls: {}, errors: [], ignored: 1 });
  });
});
