// A change set in words: what the admin asked for, one line per change ("TCP 10.0.0.1:80:
// scheduler → rr"), as the audit log will record it.
import { sysctlsToConf, type Sysctls } from '@/lib/ipvs/sysctls';
import { realServerLabel, serviceLabel, type ServiceKey } from '@/lib/ipvs/model';
import type { ChangeInput } from '@/lib/api/schemas';
import styles from './diff.module.css';

function describeSet(set: Record<string, unknown>): string {
  return Object.entries(set)
    .map(([k, v]) => (v === null ? `${k} off` : typeof v === 'object' ? `${k} ${JSON.stringify(v)}` : `${k} → ${String(v)}`))
    .join(', ');
}

export function changeText(c: ChangeInput): { op: string; cls: 'add' | 'del' | 'chg'; text: string } {
  const svc = (k: unknown) => serviceLabel(k as ServiceKey);
  switch (c.op) {
    case 'add-service':
      return { op: 'add service', cls: 'add', text: `${svc(c.service)} (${c.service.scheduler ?? 'wlc'}, ${c.service.realServers?.length ?? 0} real servers)` };
    case 'remove-service':
      return { op: 'remove service', cls: 'del', text: svc(c.service) };
    case 'edit-service':
      return { op: 'edit service', cls: 'chg', text: `${svc(c.service)}: ${describeSet(c.set as Record<string, unknown>)}` };
    case 'add-server':
      return { op: 'add server', cls: 'add', text: `${svc(c.service)} → ${realServerLabel(c.server)} (weight ${c.server.weight ?? 1})` };
    case 'edit-server':
      return { op: 'edit server', cls: 'chg', text: `${svc(c.service)} → ${realServerLabel(c.server)}: ${describeSet(c.set as Record<string, unknown>)}` };
    case 'remove-server':
      return {
        op: c.drain ? 'drain server' : 'remove server',
        cls: 'del',
        text: `${svc(c.service)} → ${realServerLabel(c.server)}${c.drain ? ` (weight 0, removed when idle${typeof c.drain === 'object' && c.drain.timeout ? ` or after ${c.drain.timeout} s` : ''})` : ''}`,
      };
    case 'set-globals': {
      const g = c.globals as { timeouts?: { tcp: number; tcpfin: number; udp: number } | null; syncDaemons?: { state: string; interface?: string; syncId?: number }[]; sysctls?: Sysctls };
      const t = g.timeouts ? `timeouts tcp ${g.timeouts.tcp} s, tcpfin ${g.timeouts.tcpfin} s, udp ${g.timeouts.udp} s` : 'kernel timeouts left alone';
      const d = g.syncDaemons?.length ? `sync ${g.syncDaemons.map((x) => `${x.state} on ${x.interface ?? 'eth0'} (syncid ${x.syncId ?? 0})`).join(', ')}` : 'no sync daemon';
      const k = g.sysctls && Object.keys(g.sysctls).length ? `IPVS settings ${sysctlsToConf(g.sysctls).trim().split('\n').join(', ')}` : 'kernel IPVS settings left alone';
      return { op: 'director settings', cls: 'chg', text: `${t}; ${d}; ${k}` };
    }
  }
}

export function ChangeList({ changes }: { changes: ChangeInput[] }) {
  return (
    <ol className={styles.changes} data-testid="change-list">
      {changes.map((c, i) => {
        const t = changeText(c);
        return (
          <li key={i}>
            <span className={`${styles.op} ${t.cls === 'add' ? styles.opAdd : t.cls === 'del' ? styles.opDel : styles.opChg}`}>{t.op}</span>
            <span className="mono small">{t.text}</span>
          </li>
        );
      })}
    </ol>
  );
}
