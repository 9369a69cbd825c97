'use client';
// What an operator can do to one director: re-apply the desired revision, rotate its token, and,
// when its table drifted, put it back or adopt the live table as a new revision.
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { DirectorDetail } from '@/lib/api/schemas';
import { opToCommandLine } from '@/lib/ipvs/ops';
import { useCluster } from '../data/queries';
import { useAdoptActual, useReapplyDirector, useRotateDirectorToken } from '../data/mutations';
import { ago } from '../format';
import { href } from '../links';
import { Can } from '../session';
import { CommandLines } from '../ui/commands';
import { ConfirmDialog, Dialog } from '../ui/dialog';
import { useAttempt, useToast } from '../ui/toast';
import { TokenOnce } from './DirectorsPage';

export function DriftCard({ cluster, d }: { cluster: string; d: DirectorDetail }) {
  const drift = d.drift!;
  const c = useCluster(cluster);
  const [adopting, setAdopting] = useState(false);
  const toast = useToast();
  const attempt = useAttempt();
  const adoptActual = useAdoptActual(cluster);
  const router = useRouter();
  const adopt = async () => {
    const base = c.data?.currentRevision?.number;
    if (!base) return;
    await attempt('Adopt failed', async () => {
      const r = await adoptActual.mutateAsync({ director: d.name, body: { baseRevision: base, message: `Adopt the live table of ${d.name}` } });
      toast.show('ok', `r${r.revision.number}: the live table of ${d.name} is now desired`, r.revision.summary);
      router.push(`${href.review(cluster)}?rollout=${r.revision.number}`);
    });
    setAdopting(false);
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
      <CommandLines lines={drift.ops.map(opToCommandLine)} />
      <Can role="operator">
        <div className="row" style={{ marginTop: 10 }}>
          <ReapplyButton cluster={cluster} name={d.name} label="Re-apply desired" primary />
          <button type="button" className="btn" onClick={() => setAdopting(true)}>
            Adopt actual…
          </button>
        </div>
        <ConfirmDialog
          open={adopting}
          title={`Adopt the live table of ${d.name}?`}
          confirmLabel="Adopt as new revision"
          busy={adoptActual.isPending}
          onConfirm={adopt}
          onClose={() => setAdopting(false)}
        >
          <p>A new revision is created from what {d.name} runs now, and pushed to every director of the cluster — including the ones that did not drift.</p>
        </ConfirmDialog>
      </Can>
    </section>
  );
}

export function ReapplyButton({ cluster, name, label = 'Re-apply', primary = false }: { cluster: string; name: string; label?: string; primary?: boolean }) {
  const toast = useToast();
  const attempt = useAttempt();
  const reapply = useReapplyDirector(cluster);
  const run = () =>
    attempt('Re-apply failed', async () => {
      const r = await reapply.mutateAsync(name);
      toast.show(r.sent ? 'ok' : 'warn', r.sent ? `Re-sent r${r.revision} to ${name}` : `${name} is not connected; it gets r${r.revision} when it reconnects`);
    });
  return (
    <button type="button" className={`btn ${primary ? 'primary' : ''}`} onClick={run} disabled={reapply.isPending} title="push the desired revision again and reconcile now">
      {label}
    </button>
  );
}

export function RotateButton({ cluster, name, disabled }: { cluster: string; name: string; disabled: boolean }) {
  const [confirm, setConfirm] = useState(false);
  const [created, setCreated] = useState<{ token: string; agentCommand: string } | null>(null);
  const attempt = useAttempt();
  const rotateToken = useRotateDirectorToken(cluster);
  const rotate = async () => {
    await attempt('Rotate failed', async () => {
      const r = await rotateToken.mutateAsync(name);
      setCreated({ token: r.token, agentCommand: r.agentCommand });
    });
    setConfirm(false);
  };
  return (
    <>
      <button type="button" className="btn" onClick={() => setConfirm(true)} disabled={disabled}>
        Rotate token…
      </button>
      <ConfirmDialog open={confirm} title={`New token for ${name}?`} confirmLabel="Issue new token" busy={rotateToken.isPending} onConfirm={rotate} onClose={() => setConfirm(false)}>
        <p>The current token stops working now; the agent must be restarted with the new one.</p>
      </ConfirmDialog>
      <Dialog open={!!created} onClose={() => setCreated(null)} title={`New token for ${name}`} wide>
        {created ? <TokenOnce token={created.token} command={created.agentCommand} onDone={() => setCreated(null)} /> : null}
      </Dialog>
    </>
  );
}
