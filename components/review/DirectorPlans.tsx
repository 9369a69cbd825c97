// Per director, the exact ipvsadm commands the plan preview computed against that director's
// last reported live table — what its agent will run, in order; an op that cuts live connections
// says how many (its impact).
import type { DirectorPlan } from '@/lib/api/schemas';
import { formatHostPort } from '@/lib/ipvs/addr';
import { serviceLabel } from '@/lib/ipvs/model';
import { ago } from '../format';
import styles from './review.module.css';

export function DirectorPlans({ plans }: { plans: DirectorPlan[] }) {
  if (plans.length === 0) {
    return <div className="notice warn">This cluster has no directors: the revision will be stored, and applied by each director when it is registered and its agent connects.</div>;
  }
  return (
    <div className="stack">
      {plans.map((p) => (
        <div key={p.directorId} className={styles.plan} data-testid={`plan-${p.director}`}>
          <div className={styles.planHead}>
            <strong className="mono">{p.director}</strong>
            <span className={`badge ${p.connected ? 'ok' : 'bad'}`}>{p.connected ? 'connected' : 'offline'}</span>
            <span className="small muted">
              {p.basis === 'reported'
                ? `against its live table, ${p.basisVerifiedAt ? `verified ${ago(p.basisVerifiedAt)}, ` : ''}changed ${ago(p.basisReportedAt)}`
                : 'never reported its table: planned against an empty one'}
            </span>
            <span className="grow" />
            <span className="small">{p.summary || ((p.opsTotal ?? p.ops.length) ? `${p.opsTotal ?? p.ops.length} commands` : 'no change')}</span>
          </div>
          {p.guarded?.length ? (
            <div className="notice warn small" style={{ margin: '8px 12px' }} data-testid="plan-guarded">
              Kept in by the guard (failing, but the service&apos;s depool guard keeps its minimum):{' '}
              {p.guarded.map((g) => `${formatHostPort(g.server.address, g.server.port)} of ${serviceLabel(g.service)} (${g.reason})`).join('; ')}
            </div>
          ) : null}
          {p.commands.length === 0 ? (
            <div className="small muted" style={{ padding: '8px 12px' }}>
              Nothing to run: this director already matches.
            </div>
          ) : (
            <pre className={`cmd ${styles.commands}`} data-testid="plan-commands">
              {p.commands.map((c, i) => {
                const im = p.impact.ops[i];
                return (
                  <div key={i}>
                    <span className="prompt"># </span>
                    {c}
                    {im && !im.safe ? (
                      <span className="bad-text" data-testid="op-cuts" title="cuts the connections of what it removes">
                        {'  '}# cuts {im.connections ?? '?'} connection{im.connections === 1 ? '' : 's'}
                      </span>
                    ) : null}
                  </div>
                );
              })}
              {p.opsTotal !== undefined && p.opsTotal > p.commands.length ? (
                <div className="muted" data-testid="plan-more">
                  … and {p.opsTotal - p.commands.length} more commands (the director&apos;s plan page lists them all)
                </div>
              ) : null}
            </pre>
          )}
        </div>
      ))}
    </div>
  );
}
