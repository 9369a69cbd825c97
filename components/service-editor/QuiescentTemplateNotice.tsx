'use client';
// The drain workflow's warning: with persistence and expire_quiescent_template = 0 (the kernel's
// default), a quiesced or draining server keeps receiving the clients its persistence templates
// point at, so the drain may never finish. Offers to set the setting to 1 in the change set.
import Link from 'next/link';
import { quiescedKeepsPersistentClients } from '@/lib/ipvs/sysctls';
import { useDraft } from '../changes/draft-store';
import { useCluster } from '../data/queries';
import { href } from '../links';

export function QuiescentTemplateNotice({ cluster, persistent, quiescing, editable }: { cluster: string; persistent: boolean; quiescing: boolean; editable: boolean }) {
  const c = useCluster(cluster);
  const { draft, setGlobals } = useDraft(cluster);
  if (!quiescing || !c.data) return null;
  const globals = draft?.globals ?? c.data.config.globals;
  if (!quiescedKeepsPersistentClients(persistent, globals.sysctls)) return null;
  const set = () => setGlobals({ ...globals, sysctls: { ...globals.sysctls, expire_quiescent_template: 1 } }, c.data.currentRevision?.number ?? 0);
  return (
    <div className="notice warn" role="note" data-testid="quiescent-template-notice">
      <strong>Persistent clients still reach a quiesced server.</strong> This service is persistent and <code>net.ipv4.vs.expire_quiescent_template</code> is 0 (the kernel’s default): a server at
      weight 0 or draining keeps getting every client whose persistence template points at it, until the template times out — its connections may never reach zero. Set it to 1 and those clients are
      scheduled to another server instead.{' '}
      {editable ? (
        <>
          <button type="button" className="btn small" onClick={set} data-testid="set-expire-quiescent-template">
            Set expire_quiescent_template = 1
          </button>{' '}
          <span className="small muted">(added to the change set; applied with Review &amp; apply on every director)</span>
        </>
      ) : (
        <Link href={href.settings(cluster)}>Director settings</Link>
      )}
    </div>
  );
}
