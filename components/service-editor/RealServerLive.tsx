// What the director reports about one real server: health (with the last check's reason),
// drain progress (connections falling to zero), live connection counts.
import type { DrainProgress, HealthState } from '@/lib/protocol/messages';
import type { RealServerStats } from '@/lib/ipvs/stats';
import { ago, percent, si } from '../format';

export type RealServerLiveInfo = {
  health?: HealthState;
  drain?: DrainProgress;
  stats?: Pick<RealServerStats, 'activeConns' | 'inactConns' | 'persistConns'> & { cps?: number };
  /** present in the director's live table (false once a drain removed it) */
  inKernel?: boolean;
};

export function HealthBadge({ health }: { health?: HealthState }) {
  if (!health) return null;
  return (
    <span className={`badge ${health.healthy ? 'ok' : 'bad'}`} title={`${health.reason} — last check ${ago(health.lastCheck)}, since ${ago(health.since)}`} data-testid="health-badge">
      <span className={`dot ${health.healthy ? 'ok' : 'bad'}`} />
      {health.healthy ? null : 'down:'}
      <span style={{ fontWeight: 400, opacity: 0.9, maxWidth: 180, overflow: 'hidden', textOverflow: 'ellipsis' }}>{health.reason}</span>
    </span>
  );
}

// The most connections seen per drain: the bar's 100 %, since a level-triggered agent may only
// know the count now (and a page opened mid-drain has not seen the start).
const peak = new Map<string, number>();

export function DrainBar({ drain }: { drain: DrainProgress }) {
  const left = drain.activeConns + drain.inactConns;
  const done = drain.done || left === 0;
  const key = `${drain.service.protocol}|${'address' in drain.service ? drain.service.address : ''}|${drain.server.address}|${drain.server.port}|${drain.deadline}`;
  const top = Math.max(drain.initialConns, left, peak.get(key) ?? 0);
  peak.set(key, top);
  const pct = done ? 100 : percent(Math.max(0, top - left), top);
  return (
    <div className="stack" style={{ gap: 3, minWidth: 150 }} data-testid="drain-progress" data-left={left} data-done={done}>
      <div className={`progress ${done ? 'ok' : ''}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-label="drain progress">
        <span style={{ width: `${pct}%` }} />
      </div>
      <span className="small muted">{done ? 'drained — removed' : `${si(left)} conn${left === 1 ? '' : 's'} left (${drain.activeConns} active) · deadline ${ago(drain.deadline)}`}</span>
    </div>
  );
}

export function RealServerLive({ info, quiesced, draining }: { info?: RealServerLiveInfo; quiesced?: boolean; draining?: boolean }) {
  const parts = [];
  if (info?.health) parts.push(<HealthBadge key="h" health={info.health} />);
  if (info?.drain) parts.push(<DrainBar key="d" drain={info.drain} />);
  else if (draining)
    parts.push(
      <span key="d" className="badge warn">
        drain on apply
      </span>,
    );
  else if (quiesced)
    parts.push(
      <span key="q" className="badge warn" title="weight 0: no new connections">
        quiesced
      </span>,
    );
  if (info?.stats && !info.drain)
    parts.push(
      <span key="s" className="small muted nowrap" title="ActiveConn / InActConn, summed over the directors">
        {si(info.stats.activeConns)} act · {si(info.stats.inactConns)} inact
      </span>,
    );
  if (info && info.inKernel === false && !info.drain)
    parts.push(
      <span key="k" className="badge">
        not in kernel
      </span>,
    );
  if (!parts.length) return <span className="faint small">—</span>;
  return (
    <div className="row" style={{ gap: 6 }}>
      {parts}
    </div>
  );
}
