// The recorded session 077-136 replayed command by command against the simulator: every command
// that changes the table must succeed or fail exactly as it did on the real kernel (exit status and
// ipvsadm's message). Argument errors, which ipvsadm raises before the kernel is asked, are built
// as the ops a planner could send and must fail with ipvsadm's text and exit status 2.
import { describe, expect, it } from 'vitest';
import { fixture, fixtureNames } from '@/lib/ipvs/__fixtures__/load';
import { argvToOp } from '@/lib/ipvs/ops';
import { plan } from '@/lib/ipvs/plan';
import { parseRules } from '@/lib/ipvs/rules';
import type { ServiceKey } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import { SimEngine } from './index';
import { addServer, server } from './test-ops';

const CHANGING = new Set(['-A', '-E', '-D', '-a', '-e', '-d', '--set', '--start-daemon', '--stop-daemon', '-Z', '--add-service', '--delete-service', '--add-server']);

/** Run one ipvsadm argv against the sim: [exit status, stderr]. */
function run(sim: SimEngine, argv: string[]): [number, string] {
  if (argv[0] === '-Z') {
    const key: ServiceKey | undefined = argv[1] === '-t' ? { protocol: 'tcp', address: argv[2]!.split(':')[0]!, port: Number(argv[2]!.split(':')[1]) } : undefined;
    const r = sim.zero(key);
    return r.ok ? [0, ''] : [r.exitCode, `${r.message}\n`];
  }
  let op: Op;
  try {
    op = argvToOp(argv);
  } catch {
    return [-1, 'not an op the planner can send'];
  }
  const r = sim.applySync([op]);
  return r.ok ? [0, ''] : [r.exitCode ?? -1, `${r.message}\n`];
}

/** Steps the recording made without saving their output, needed before these fixtures. */
const UNRECORDED: Record<string, Op[]> = {
  // 093 shows 10.0.0.4:80 without its IPv6 tunnel destination: it went before the master daemon could start
  '083b_daemon_start_master': [{ op: 'delete-server', service: { protocol: 'tcp', address: '10.0.0.4', port: 80 }, server: { address: '2001:db8::40', port: 80 } }],
  // 086 shows no daemon: both were stopped before 085b tried again
  '085b_err_daemon_stop_none': [
    { op: 'stop-daemon', state: 'master' },
    { op: 'stop-daemon', state: 'backup' },
  ],
};

/** Commands the core's argv parser refuses to turn into an Op (the model knows no such scheduler), as the op a caller could still send. */
const AS_OPS: Record<string, Op> = {
  '102_err_bad_scheduler': { op: 'add-service', service: { protocol: 'tcp', address: '10.0.0.2', port: 80, scheduler: 'bogus', schedFlags: [], onePacket: false, realServers: [] } } as unknown as Op,
};

describe('the recorded session 077-136 on the simulator', () => {
  it('every table-changing command succeeds or fails as on the real kernel', () => {
    // start from the table 076 saved, loaded the way the agent would: plan from empty, apply
    const sim = new SimEngine();
    const saved = parseRules(fixture('076_save_all_n').stdout);
    expect(sim.applySync(plan(saved, sim.config()))).toMatchObject({ ok: true });
    expect(sim.config().services).toEqual(saved.services);
    const checked: string[] = [];
    for (const name of fixtureNames()) {
      const n = parseInt(name, 10);
      if (n < 77 || n > 136) continue;
      const fx = fixture(name);
      if (UNRECORDED[name]) expect(sim.applySync(UNRECORDED[name])).toMatchObject({ ok: true });
      let rc = 0;
      let stderr = '';
      let ran = false;
      if (AS_OPS[name]) {
        const r = sim.applySync([AS_OPS[name]]);
        expect({ name, rc: r.ok ? 0 : r.exitCode, stderr: r.ok ? '' : `${r.message}\n` }).toEqual({ name, rc: fx.exitCode, stderr: fx.stderr });
        checked.push(name);
        continue;
      }
      for (const part of fx.command.split(' && ')) {
        const words = part.trim().split(/\s+/);
        if (words[0] !== 'ipvsadm' || !CHANGING.has(words[1]!)) continue;
        const [code, err] = run(sim, words.slice(1));
        if (code === -1) {
          ran = false; // ipvsadm refuses it before the kernel: covered below with planner-built ops
          break;
        }
        ran = true;
        rc = code;
        stderr = err;
        if (code !== 0) break;
      }
      if (!ran) continue;
      expect({ name, rc, stderr }).toEqual({ name, rc: fx.exitCode, stderr: fx.stderr });
      checked.push(name);
    }
    // the kernel-side refusals of the recording are all among what was replayed
    for (const must of [
      '083_err_daemon_start_mixed_af_dest',
      '083b_daemon_start_master',
      '083c_daemon_start_backup',
      '085b_err_daemon_stop_none',
      '087_zero',
      '088_zero_service',
      '090_delete_rs',
      '091_delete_service',
      '100_err_delete_missing_service',
      '102_err_bad_scheduler',
      '103_err_duplicate_service',
      '105_err_delete_missing_dest',
      '106_err_edit_missing_service',
      '111_weight_65536_accepted',
      '113_noncontiguous_netmask_accepted',
      '115_err_delete_missing_fwmark',
      '130_dr_port_ignored',
      '131_err_add_rs_missing_service',
      '134_netmask_without_persistence_accepted',
    ]) {
      expect(checked).toContain(must);
    }
    // 130: the -g real server given port 8080 landed on the service port
    const svc = sim.config().services.find((s) => s.protocol === 'tcp' && s.address === '10.0.0.1' && s.port === 80)!;
    expect(svc.realServers.map((r) => `${r.address}:${r.port}`)).toContain('192.168.10.95:80');
  });
});

describe("ipvsadm's own refusals (exit 2), for ops a planner could build", () => {
  const WEB = { protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;
  const svc = (s: Record<string, unknown>) => ({ op: 'add-service', service: { scheduler: 'wlc', schedFlags: [], onePacket: false, realServers: [], ...s } }) as unknown as Op;
  const cases: [string, Op][] = [
    ['109_err_bad_address', svc({ protocol: 'tcp', address: '10.0.0.300', port: 80 })],
    ['117_err_bad_port', svc({ protocol: 'tcp', address: '10.0.0.1', port: 99999 })],
    ['111b_err_weight_2147483648', addServer(WEB, server('192.168.10.94', 80, { weight: 2147483648 }))],
    ['120_err_bad_threshold', addServer(WEB, server('192.168.10.96', 80, { upperThreshold: -5 }))],
    ['121_err_bad_persistence', { ...(svc({ ...WEB, persistence: { timeout: 0 } }) as object), op: 'edit-service' } as Op],
    ['123_err_ipv6_no_brackets', svc({ protocol: 'tcp', address: '2001:db8::4:80', port: 0 })],
    ['124_err_fwmark_zero', svc({ protocol: 'fwmark', fwmark: 0, family: 'inet' })],
    ['125_err_bad_sched_flag', svc({ protocol: 'tcp', address: '10.0.0.10', port: 80, scheduler: 'mh', schedFlags: ['bogus-flag'] })],
    ['133_err_ops_tcp', svc({ protocol: 'tcp', address: '10.0.0.14', port: 80, scheduler: 'rr', onePacket: true })],
    ['136_err_mixed_af_dr', addServer(WEB, server('2001:db8::50', 80))],
  ];
  it.each(cases)('%s', (name, op) => {
    const sim = new SimEngine();
    sim.applySync([svc({ ...WEB, scheduler: 'wrr' })]);
    const fx = fixture(name);
    const r = sim.applySync([op]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect({ rc: r.exitCode, stderr: `${r.message}\n`, applied: r.applied }).toEqual({ rc: fx.exitCode, stderr: fx.stderr, applied: 0 });
  });

  it('stops a batch at the first failure and names the command', () => {
    const sim = new SimEngine();
    const ops: Op[] = [svc({ ...WEB }), addServer(WEB, server('10.0.1.1', 80)), addServer(WEB, server('10.0.1.1', 80)), addServer(WEB, server('10.0.1.2', 80))];
    const r = sim.applySync(ops);
    expect(r).toEqual({ ok: false, applied: 2, failedOp: ops[2], command: 'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1', message: 'Destination already exists', exitCode: 255 });
    expect(sim.config().services[0]!.realServers).toHaveLength(1);
  });

  it('refuses a scheduler the kernel lacks, a mixed-family destination while a sync daemon runs, and l > u', () => {
    const sim = new SimEngine({ schedulers: ['rr', 'wlc'] });
    expect(sim.applySync([svc({ ...WEB, scheduler: 'twos' })])).toMatchObject({ ok: false, message: 'Scheduler or persistence engine not found', exitCode: 255 });
    expect(sim.applySync([svc({ ...WEB }), { op: 'start-daemon', daemon: { state: 'master', interface: 'eth0', syncId: 1 } }]).ok).toBe(true);
    expect(sim.applySync([addServer(WEB, server('2001:db8::9', 80, { forwarding: 'tunnel' }))])).toMatchObject({
      ok: false,
      message: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
      exitCode: 255,
    });
    expect(sim.applySync([addServer(WEB, server('10.0.1.1', 80, { lowerThreshold: 5 }))])).toMatchObject({ ok: false, message: 'Numerical result out of range', exitCode: 255 });
    expect(sim.applySync([{ op: 'start-daemon', daemon: { state: 'master', interface: 'eth1', syncId: 2 } }])).toMatchObject({ ok: false, message: 'Daemon has already run', exitCode: 255 });
  });
});
