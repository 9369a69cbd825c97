// The IPVS settings on a kernel engine: read from and written to a /proc/sys/net/ipv4/vs root (a
// temp dir here), applied in order with the engine's own ops, drift found and repaired by the
// reconciler, and a refused write NACKed with the kernel's words.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectorConfigSchema, type DirectorConfigInput } from '@/lib/ipvs/model';
import { configHash } from '@/lib/ipvs/hash';
import type { Report } from '@/lib/protocol/messages';
import { Reconciler } from '../reconcile';
import { silentLogger } from '../log';
import { SimEngine } from './sim';
import { procSysctlIo, withSysctls, type SysctlIo } from './sysctl-io';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/** A /proc/sys/net/ipv4/vs as a 6.1 kernel lists it after boot (a few of its files). */
function fakeProc(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-sysctl-'));
  roots.push(root);
  const files: Record<string, string> = { expire_nodest_conn: '0', expire_quiescent_template: '0', conn_reuse_mode: '1', sync_threshold: '3\t50', some_future_knob: '7' };
  for (const [n, v] of Object.entries(files)) fs.writeFileSync(path.join(root, n), `${v}\n`);
  return root;
}

const read = (root: string, n: string) => fs.readFileSync(path.join(root, n), 'utf8').trim();

function reconciler(engine: SimEngine) {
  const reports: Report[] = [];
  const r = new Reconciler({ engine, store: null, report: (x) => reports.push(x), log: silentLogger, retry: { baseMs: 1e9, maxMs: 1e9 } });
  const push = async (n: number, input: DirectorConfigInput) => {
    const config = DirectorConfigSchema.parse(input);
    r.setDesired({ cluster: 'c', revision: n, hash: configHash(config), createdAt: new Date().toISOString(), driftPolicy: 'enforce', config });
    return r.runPass();
  };
  return { r, reports, push };
}

describe('withSysctls: a kernel engine with the IPVS settings of /proc', () => {
  it('reads the table’s settings (and nothing else) into the live config and the facts', async () => {
    const root = fakeProc();
    const engine = withSysctls(new SimEngine(), procSysctlIo(root));
    expect((await engine.readConfig()).globals.sysctls).toEqual({ conn_reuse_mode: 1, expire_nodest_conn: 0, expire_quiescent_template: 0, sync_threshold: [3, 50] });
    expect((await engine.facts()).sysctls).toMatchObject({ conn_reuse_mode: 1 });
  });

  it('applies, verifies and ACKs a revision’s settings; a hand-made change is drift, repaired under enforce', async () => {
    const root = fakeProc();
    const engine = withSysctls(new SimEngine(), procSysctlIo(root));
    const { r, reports, push } = reconciler(engine);
    try {
      const want = { globals: { sysctls: { expire_quiescent_template: 1, sync_threshold: [5, 100] as [number, number] } }, services: [{ protocol: 'tcp' as const, address: '10.0.0.1', port: 80 }] };
      await push(1, want); // setDesired's own pass applies; push's pass then finds it in sync
      expect(read(root, 'expire_quiescent_template')).toBe('1');
      expect(read(root, 'sync_threshold')).toBe('5 100');
      expect(reports.filter((x) => x.type === 'ack')).toEqual([expect.objectContaining({ revision: 1, opsApplied: 3 })]);
      expect((await r.runPass()).kind).toBe('in-sync');

      fs.writeFileSync(path.join(root, 'expire_quiescent_template'), '0\n'); // by hand, behind the agent's back
      const out = await r.runPass('timer');
      // (the periodic full read is where hand-made changes show up)
      expect(out.kind).toBe('applied');
      const drifted = reports.filter((x) => x.type === 'state').map((x) => x.type === 'state' && x.drift?.ops);
      expect(drifted).toContainEqual([{ op: 'set-sysctl', name: 'expire_quiescent_template', value: 1 }]);
      expect(read(root, 'expire_quiescent_template')).toBe('1');
    } finally {
      await r.stop();
    }
  });

  it('a refused write is a NACK with the kernel’s words; the ops before it took effect, none after', async () => {
    const root = fakeProc();
    const proc = procSysctlIo(root);
    const refusing: SysctlIo = {
      readAll: () => proc.readAll(),
      write: async (name, text) => {
        if (name === 'conn_reuse_mode') throw Object.assign(new Error('EINVAL: invalid argument, write'), { code: 'EINVAL' });
        await proc.write(name, text);
      },
    };
    const engine = withSysctls(new SimEngine(), refusing);
    const { r, reports, push } = reconciler(engine);
    try {
      expect((await push(1, { globals: { sysctls: { conn_reuse_mode: 0, expire_nodest_conn: 1 } } })).kind).toBe('nack');
      const nack = reports.find((x) => x.type === 'nack');
      expect(nack).toMatchObject({
        revision: 1,
        failedOp: { op: 'set-sysctl', name: 'conn_reuse_mode', value: 0 },
        command: 'sysctl -w net.ipv4.vs.conn_reuse_mode=0',
        message: 'sysctl: setting key "net.ipv4.vs.conn_reuse_mode": Invalid argument',
        opsApplied: 0,
      });
      expect(read(root, 'expire_nodest_conn')).toBe('0'); // after the failed op: not attempted
    } finally {
      await r.stop();
    }
  });
});
