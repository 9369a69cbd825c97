// /api/metrics: this process's counters plus fleet gauges read from the database at scrape time.
import { db } from './db';
import { metrics } from './metrics';
import { directorStatus } from './views';

export async function renderMetrics(): Promise<string> {
  const prisma = await db();
  const clusters = await prisma.cluster.findMany({ include: { currentRevision: { select: { number: true, hash: true } }, directors: true } });
  const byState = new Map<string, number>();
  const revisions: [{ cluster: string }, number][] = [];
  for (const c of clusters) {
    const desired = c.currentRevision ? { number: c.currentRevision.number, hash: c.currentRevision.hash } : null;
    if (desired) revisions.push([{ cluster: c.name }, desired.number]);
    for (const d of c.directors) {
      const s = directorStatus(d, c.name, desired);
      const k = `${c.name}\u0000${s.state}`;
      byState.set(k, (byState.get(k) ?? 0) + 1);
    }
  }
  const directors: [{ cluster: string; state: string }, number][] = [...byState].map(([k, n]) => {
    const [cluster, state] = k.split('\u0000');
    return [{ cluster: cluster!, state: state! }, n];
  });
  return metrics.render({ directors, revisions });
}
