'use client';
// One director: versions and kernel facts, applied vs desired, the last NACK with ipvsadm's
// message, drift with "re-apply desired" / "adopt actual", health checks, drains, what it would
// run now, and its live table as rules text.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { DirectorDetail } from '@/lib/api/schemas';
import { realServerLabel, serviceLabel } from '@/lib/ipvs/model';
import { opToCommandLine } from '@/lib/ipvs/ops';
import { printRules } from '@/lib/ipvs/rules';
import { useCluster, useDirector, useDirectorPlan } from '../data/queries';
import { useAdoptActual, useReapplyDirector, useRotateDirectorToken } from '../data/mutations';
import { ago, dateTime } from '../format';
import { href } from '../links';
import { Can } from '../session';
import { DrainBar, HealthBadge } from '../service-editor/RealServerLive';
import { ConfirmDialog, Dialog } from '../ui/dialog';
import { errorMessage } from '../ui/errors';
import { ErrorState, Loading } from '../ui/states';
import { useToast } from '../ui/toast';
import { DirectorStateBadge, directorStateHelp } from './DirectorState';
import { RevokeButton, TokenOnce } from './DirectorsPage';

export function DirectorPage({ cluster, director }: { cluster: string; director: string }) {
  const q = useDirector(cluster, director);
  if (q.isPending) return <Loading rows={8} />;
  if (q.isError) return <ErrorState error={q.error} title={`Director ${director}`} retry={() => q.refetch()} />;
  const d = q.data;
  return (
    <div className="stack" style={{ gap: 16 }}>
      <div className="row">
        <h2 className="mono" data-testid="director-title">
          {d.name}
        </h2>
        <DirectorStateBadge d={d} />
        <span className="small muted grow">{directorStateHelp(d.state)}</span>
        <Link href={href.connections(cluster, d.name)} className="btn">
          Connections
        </Link>
        <Can role="operator">
          <ReapplyButton cluster={cluster} name={d.name} />
          <RotateButton cluster={cluster} name={d.name} disabled={d.revoked} />
          <RevokeButton cluster={cluster} d={d} />
        </Can>
      </div>
      <div className="grid2">
        <Facts d={d} />
        <Revisions d={d} />
      </div>
      {d.lastError ? <LastError d={d} /> : null}
      {d.drift ? <DriftCard cluster={cluster} d={d} /> : null}
      <PlanNow cluster={cluster} name={d.name} />
      <HealthAndDrains d={d} />
      <section className="card">
        <div className="card-head">
          <h2>Live table</h2>
          <span className="small muted">{d.actualReportedAt ? `reported ${ago(d.actualReportedAt)}` : 'never reported'}</span>
        </div>
        {d.actual ? (
          d.actual.services.length ? (
            <pre className="cmd" data-testid="actual-rules">
              {printRules(d.actual)}
            </pre>
          ) : (
            <p className="muted small">The director’s IPVS table is empty.</p>
          )
        ) : (
          <p className="muted small">No report yet.</p>
        )}
      </section>
    </div>
  );
}

function Facts({ d }: { d: DirectorDetail }) {
  const f = d.facts;
  const rows: [string, React.ReactNode][] = [
    ['Connection', d.connected ? <span className="ok-text">connected{d.connectedAt ? ` since ${ago(d.connectedAt)}` : ''}</span> : `last seen ${ago(d.lastSeenAt)}`],
    ['Agent', d.agentVersion ? `lvs-agent ${d.agentVersion} (${d.engine === 'sim' ? 'simulated kernel' : (d.engine ?? '?') + ' engine'})` : '–'],
    ['Host', f?.hostname ?? '–'],
    ['Kernel', f?.kernel ?? '–'],
    ['IPVS', f ? `${f.ipvsVersion} (size=${f.connTableSize})` : '–'],
    ['ipvsadm', f ? (f.ipvsadmVersion ?? 'not used') : '–'],
    ['Schedulers', f ? <span className="mono small">{f.schedulers.join(' ')}</span> : '–'],
    ['Token', <span key="t" className="mono small">{d.tokenPrefix}…{d.revoked ? ' (revoked)' : ''}</span>],
  ];
  return (
    <section className="card">
      <h2 style={{ marginBottom: 10 }}>Facts</h2>
      <dl style={{ display: 'grid', gridTemplateColumns: '110px 1fr', gap: '5px 12px', margin: 0 }} className="small">
        {rows.map(([k, v]) => (
          <div key={k} style={{ display: 'contents' }}>
            <dt className="muted">{k}</dt>
            <dd style={{ margin: 0 }}>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Revisions({ d }: { d: DirectorDetail }) {
  return (
    <section className="card">
      <h2 style={{ marginBottom: 10 }}>Revisions</h2>
      <div className="row" style={{ gap: 24 }}>
        <div>
          <div className="small muted">Applied</div>
          <div style={{ fontSize: 22, fontWeight: 600 }} data-testid="director-applied">
            r{d.appliedRevision ?? '–'}
          </div>
          <div className="small faint">{d.appliedAt ? dateTime(d.appliedAt) : 'never'}</div>
        </div>
        <div>
          <div className="small muted">Desired</div>
          <div style={{ fontSize: 22, fontWeight: 600 }}>r{d.desiredRevision ?? '–'}</div>
        </div>
        <div>{d.inSync ? <span className="badge ok">in sync</span> : <span className="badge warn">not in sync</span>}</div>
      </div>
      {d.appliedHash ? <div className="small faint mono" style={{ marginTop: 8, overflowWrap: 'anywhere' }}>{d.appliedHash}</div> : null}
    </section>
  );
}

function LastError({ d }: { d: DirectorDetail }) {
  const e = d.lastError!;
  return (
    <section className={`notice ${d.state === 'failed' ? 'bad' : ''}`} data-testid="last-error">
      <strong>Last failed apply: r{e.revision}</strong> <span className="small muted">({ago(e.at)})</span>
      <div className="mono small" style={{ marginTop: 6 }}>
        ipvsadm: {e.message}
        {e.exitCode !== null ? ` (exit ${e.exitCode})` : ''}
      </div>
      <pre className="cmd" style={{ marginTop: 6 }}>
        <span className="prompt"># </span>
        {e.command}
      </pre>
      <div className="small muted" style={{ marginTop: 6 }}>
        {e.opsApplied} command{e.opsApplied === 1 ? '' : 's'} before it took effect. {d.state === 'failed' ? `The director keeps running r${d.appliedRevision ?? '–'} and retries with backoff.` : 'A later apply succeeded.'}
      </div>
    </section>
  );
}

function DriftCard({ cluster, d }: { cluster: string; d: DirectorDetail }) {
  const drift = d.drift!;
  const c = useCluster(cluster);
  const [adopting, setAdopting] = useState(false);
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  const adoptActual = useAdoptActual(cluster);
  const router = useRouter();
  const adopt = async () => {
    const base = c.data?.currentRevision?.number;
    if (!base) return;
    setBusy(true);
    try {
      const r = await adoptActual.mutateAsync({ director: d.name, body: { baseRevision: base, message: `Adopt the live table of ${d.name}` } });
      toast.show('ok', `r${r.revision.number}: the live table of ${d.name} is now desired`, r.revision.summary);
      router.push(`${href.review(cluster)}?rollout=${r.revision.number}`);
    } catch (e) {
      toast.show('bad', 'Adopt failed', errorMessage(e));
    } finally {
      setBusy(false);
      setAdopting(false);
    }
  };
  return (
    <section className="card" style={{ borderColor: 'var(--warn)' }} data-testid="drift">
      <div className="card-head">
        <h2>Drift</h2>
        <span className="small muted">detected {ago(drift.detectedAt)}</span>
      </div>
      <p className="small">
        The live table differs from r{d.appliedRevision ?? '–'}: {drift.summary}. Someone ran ipvsadm by hand, or something else manages this table. These commands would put it back:
      </p>
      <pre className="cmd">
        {drift.ops.map((op, i) => (
          <div key={i}>
            <span className="prompt"># </span>
            {opToCommandLine(op)}
          </div>
        ))}
      </pre>
      <Can role="operator">
        <div className="row" style={{ marginTop: 10 }}>
          <ReapplyButton cluster={cluster} name={d.name} label="Re-apply desired" primary />
          <button type="button" className="btn" onClick={() => setAdopting(true)}>
            Adopt actual…
          </button>
        </div>
        <ConfirmDialog open={adopting} title={`Adopt the live table of ${d.name}?`} confirmLabel="Adopt as new revision" busy={busy} onConfirm={adopt} onClose={() => setAdopting(false)}>
          <p>A new revision is created from what {d.name} runs now, and pushed to every director of the cluster — including the ones that did not drift.</p>
        </ConfirmDialog>
      </Can>
    </section>
  );
}

function ReapplyButton({ cluster, name, label = 'Re-apply', primary = false }: { cluster: string; name: string; label?: string; primary?: boolean }) {
  const toast = useToast();
  const reapply = useReapplyDirector(cluster);
  const run = async () => {
    try {
      const r = await reapply.mutateAsync(name);
      toast.show(r.sent ? 'ok' : 'warn', r.sent ? `Re-sent r${r.revision} to ${name}` : `${name} is not connected; it gets r${r.revision} when it reconnects`);
    } catch (e) {
      toast.show('bad', 'Re-apply failed', errorMessage(e));
    }
  };
  return (
    <button type="button" className={`btn ${primary ? 'primary' : ''}`} onClick={run} disabled={reapply.isPending} title="push the desired revision again and reconcile now">
      {label}
    </button>
  );
}

function RotateButton({ cluster, name, disabled }: { cluster: string; name: string; disabled: boolean }) {
  const [confirm, setConfirm] = useState(false);
  const [created, setCreated] = useState<{ token: string; agentCommand: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  const rotateToken = useRotateDirectorToken(cluster);
  const rotate = async () => {
    setBusy(true);
    try {
      const r = await rotateToken.mutateAsync(name);
      setCreated({ token: r.token, agentCommand: r.agentCommand });
    } catch (e) {
      toast.show('bad', 'Rotate failed', errorMessage(e));
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  };
  return (
    <>
      <button type="button" className="btn" onClick={() => setConfirm(true)} disabled={disabled}>
        Rotate token…
      </button>
      <ConfirmDialog open={confirm} title={`New token for ${name}?`} confirmLabel="Issue new token" busy={busy} onConfirm={rotate} onClose={() => setConfirm(false)}>
        <p>The current token stops working now; the agent must be restarted with the new one.</p>
      </ConfirmDialog>
      <Dialog open={!!created} onClose={() => setCreated(null)} title={`New token for ${name}`} wide>
        {created ? <TokenOnce token={created.token} command={created.agentCommand} onDone={() => setCreated(null)} /> : null}
      </Dialog>
    </>
  );
}

function PlanNow({ cluster, name }: { cluster: string; name: string }) {
  const q = useDirectorPlan(cluster, name, { refetchInterval: 5000 });
  return (
    <section className="card">
      <div className="card-head">
        <h2>What it would run now</h2>
        <span className="small muted">desired revision vs its last reported live table</span>
      </div>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => q.refetch()} />
      ) : q.data.commands.length === 0 ? (
        <p className="small ok-text" style={{ margin: 0 }}>Nothing: the live table matches the desired revision.</p>
      ) : (
        <pre className="cmd">
          {q.data.commands.map((c, i) => (
            <div key={i}>
              <span className="prompt"># </span>
              {c}
            </div>
          ))}
        </pre>
      )}
    </section>
  );
}

function HealthAndDrains({ d }: { d: DirectorDetail }) {
  if (!d.health.length && !d.drains.length) return null;
  return (
    <section className="card">
      <h2 style={{ marginBottom: 10 }}>Real server health and drains</h2>
      <div className="table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th>Service</th>
              <th>Real server</th>
              <th>Health</th>
              <th>Since</th>
              <th>Drain</th>
            </tr>
          </thead>
          <tbody>
            {d.health.map((h) => {
              const drain = d.drains.find((x) => serviceLabel(x.service) === serviceLabel(h.service) && realServerLabel(x.server) === realServerLabel(h.server));
              return (
                <tr key={`${serviceLabel(h.service)}>${realServerLabel(h.server)}`}>
                  <td className="mono">{serviceLabel(h.service)}</td>
                  <td className="mono">{realServerLabel(h.server)}</td>
                  <td>
                    <HealthBadge health={h} />
                  </td>
                  <td className="small">{ago(h.since)}</td>
                  <td>{drain ? <DrainBar drain={drain} /> : null}</td>
                </tr>
              );
            })}
            {d.drains
              .filter((x) => !d.health.some((h) => serviceLabel(x.service) === serviceLabel(h.service) && realServerLabel(x.server) === realServerLabel(h.server)))
              .map((x) => (
                <tr key={`drain:${serviceLabel(x.service)}>${realServerLabel(x.server)}`}>
                  <td className="mono">{serviceLabel(x.service)}</td>
                  <td className="mono">{realServerLabel(x.server)}</td>
                  <td className="faint">no check</td>
                  <td />
                  <td>
                    <DrainBar drain={x} />
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
