'use client';
// Beside a service's traffic chart: its timeline (health transitions, config changes, failovers)
// as marks on a strip over the chosen window and as a list, and each real server's availability.
import { useState } from 'react';
import type { TimelineMark } from '@/lib/api/health-history';
import { useAvailability, useServiceTimeline } from '../data/queries';
import { dateTime } from '../format';
import { ErrorState, Loading } from '../ui/states';

const WINDOWS = [
  { hours: 1, label: '1 h' },
  { hours: 24, label: '24 h' },
  { hours: 24 * 7, label: '7 d' },
] as const;

const MARK_COLOR = { up: 'var(--ok, #3fb950)', down: 'var(--bad, #f85149)', config: 'var(--accent, #58a6ff)', failover: 'var(--warn, #d29922)' };

function markColor(m: TimelineMark): string {
  if (m.kind === 'health') return m.healthy ? MARK_COLOR.up : MARK_COLOR.down;
  return m.kind === 'config' ? MARK_COLOR.config : MARK_COLOR.failover;
}

/** One line a human reads for a mark. */
export function markText(m: TimelineMark): string {
  switch (m.kind) {
    case 'health':
      return `${m.server} on ${m.director}: ${m.heldDown ? 'held down' : m.healthy ? 'healthy' : 'failing'}${m.error ? ` — ${m.error}` : ''}`;
    case 'config':
      return `r${m.revision} ${m.change} the service (${m.author}: ${m.message})`;
    case 'failover':
      return `failover of ${m.vip}: ${m.from ?? 'none'} → ${m.to ?? 'none'}${m.detail ? ` (${m.detail})` : ''}`;
  }
}

const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(r > 0.999 && r < 1 ? 3 : 2)} %`);

export function ServiceTimeline({ cluster, service }: { cluster: string; service: string }) {
  const [hours, setHours] = useState<number>(24);
  const q = useServiceTimeline(cluster, service, hours);
  const av = useAvailability(cluster, service);
  return (
    <section className="card stack" aria-label="Timeline" data-testid="service-timeline" style={{ gap: 10, minWidth: 0 }}>
      <div className="row">
        <h3 className="grow">Timeline</h3>
        <div className="row" role="group" aria-label="Timeline window" style={{ gap: 4 }}>
          {WINDOWS.map((w) => (
            <button key={w.hours} type="button" className={`btn small ${hours === w.hours ? 'primary' : ''}`} aria-pressed={hours === w.hours} onClick={() => setHours(w.hours)}>
              {w.label}
            </button>
          ))}
        </div>
      </div>
      {q.isPending ? (
        <Loading rows={3} />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => q.refetch()} />
      ) : (
        <>
          <Strip from={Date.parse(q.data.from)} to={Date.parse(q.data.to)} marks={q.data.marks} />
          {q.data.marks.length === 0 ? (
            <p className="muted small">No health transitions, config changes or failovers in this window.</p>
          ) : (
            <ol className="stack small" style={{ gap: 4, margin: 0, paddingLeft: 0, listStyle: 'none', maxHeight: 180, overflowY: 'auto' }}>
              {[...q.data.marks].reverse().map((m, i) => (
                <li key={`${m.kind}-${m.at}-${i}`} className="row" style={{ gap: 6, alignItems: 'baseline' }} data-kind={m.kind}>
                  <span aria-hidden style={{ width: 8, height: 8, borderRadius: 4, background: markColor(m), flex: 'none' }} />
                  <span className="muted mono" style={{ flex: 'none' }}>
                    {dateTime(m.at)}
                  </span>
                  <span>{markText(m)}</span>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
      {av.data && av.data.servers.length ? (
        <div className="table-wrap">
          <table className="data" aria-label="Availability">
            <thead>
              <tr>
                <th>Real server</th>
                <th>Director</th>
                <th className="num">24 h</th>
                <th className="num">7 d</th>
                <th className="num">30 d</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {av.data.servers.map((s) => (
                <tr key={`${s.director}-${s.server}`}>
                  <td className="mono">{s.server.replace('|', ':')}</td>
                  <td>{s.director}</td>
                  <td className="num">{pct(s.availability['24h'])}</td>
                  <td className="num">{pct(s.availability['7d'])}</td>
                  <td className="num">{pct(s.availability['30d'])}</td>
                  <td>{s.flapping ? <span className="badge bad">flapping</span> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** The window as a strip: one tick per mark at its time. */
function Strip({ from, to, marks }: { from: number; to: number; marks: TimelineMark[] }) {
  const span = Math.max(1, to - from);
  return (
    <svg role="img" aria-label={`${marks.length} events between ${dateTime(from)} and ${dateTime(to)}`} viewBox="0 0 1000 24" preserveAspectRatio="none" style={{ width: '100%', height: 24 }}>
      <line x1={0} x2={1000} y1={12} y2={12} stroke="currentColor" strokeOpacity={0.25} />
      {marks.map((m, i) => {
        const x = ((Date.parse(m.at) - from) / span) * 1000;
        return (
          <rect key={i} x={Math.min(998, Math.max(0, x - 1))} y={m.kind === 'health' ? 4 : 0} width={2} height={m.kind === 'health' ? 16 : 24} fill={markColor(m)}>
            <title>{`${dateTime(m.at)} ${markText(m)}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}
