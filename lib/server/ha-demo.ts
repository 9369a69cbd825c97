// The demo's failover switch. `npm start` runs two simulated directors on a simulated VRRP segment
// (agent/engines/sim/vrrp.ts, a directory under ./data named by LVS_DEMO_VRRP_DIR); this action
// demotes the segment's current master, as a failed keepalived track_script would, so the other
// director takes the VIPs. It only writes the segment's control file: it never sends a director a
// command, and outside the demo (another cluster, or no simulated segment) it is refused with 409.
import path from 'node:path';
import type { DemoFailoverResult } from '../api/schemas';
import { DEAD_MS, readSimAdverts, SIM_VRRP_CONTROL_FILE, writeJsonAtomic, type SimVrrpControl } from '@/agent/engines/sim/vrrp';
import { audit } from './audit';
import { db } from './db';
import { conflict } from './errors';
import { findCluster, type Actor } from './revisions';
import { DEMO_CLUSTER } from './seed';

function segmentDir(): string | null {
  const dir = process.env.LVS_DEMO_VRRP_DIR;
  return dir ? path.resolve(dir) : null;
}

export function demoFailoverAvailable(clusterName: string): boolean {
  return clusterName === DEMO_CLUSTER && segmentDir() !== null;
}

const NOT_DEMO =
  'the failover action exists only in the demo (cluster "demo" started by npm start, whose simulated directors share a simulated VRRP segment); on a real cluster, fail over through keepalived (stop it on the master, or lower the master\'s priority)';

export async function demoFailover(clusterRef: string, who: Actor, now = Date.now()): Promise<DemoFailoverResult> {
  const c = await findCluster(clusterRef);
  const dir = segmentDir();
  if (c.name !== DEMO_CLUSTER || !dir) throw conflict(`cluster ${c.name}: ${NOT_DEMO}`, [{ path: 'cluster', message: 'not the demo cluster with a simulated VRRP segment' }]);
  const live = readSimAdverts(dir).filter((a) => now - a.at <= DEAD_MS);
  const master = live.find((a) => a.state === 'MASTER');
  if (!master) throw conflict('no simulated director is MASTER on the demo segment right now (are the demo agents running?)', [{ path: 'segment', message: 'no master' }]);
  const target = live.filter((a) => a.id !== master.id).sort((a, b) => b.priority - a.priority || b.id.localeCompare(a.id))[0];
  if (!target) throw conflict(`nothing to fail over to: only ${master.id} is on the demo segment`, [{ path: 'segment', message: 'no backup' }]);
  const reason = `demo failover requested by ${who.actor}`;
  writeJsonAtomic(path.join(dir, SIM_VRRP_CONTROL_FILE), { demote: master.id, reason, at: now } satisfies SimVrrpControl);
  const prisma = await db();
  await audit(prisma, {
    actor: who.actor,
    action: 'ha.demo-failover',
    cluster: { id: c.id, name: c.name },
    target: `${c.name}/${master.id}`,
    clientIp: who.clientIp,
    details: { from: master.id, to: target.id },
  });
  return { from: master.id, to: target.id, reason };
}
