'use client';
// Cluster settings: description and drift policy (stored on the cluster), and the director-wide
// IPVS settings that are part of each revision — connection timeouts (ipvsadm --set) and the
// connection-sync daemons (--start-daemon) and the kernel's IPVS settings (net.ipv4.vs.*) — which
// go through Review & apply like services.
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { DEFAULT_TIMEOUTS, GlobalsSchema, type Globals } from '@/lib/ipvs/model';
import { sysctlsToConf } from '@/lib/ipvs/sysctls';
import { useDraft } from '../changes/draft-store';
import { zodIssues } from '../service-editor/form';
import { useCluster } from '../data/queries';
import { useUpdateCluster } from '../data/mutations';
import { duration } from '../format';
import { href } from '../links';
import { useSession } from '../session';
import { errorIssues, errorMessage, issuesAt, issuesByPath } from '../ui/errors';
import { Check, Field, TextField } from '../ui/field';
import { SysctlsSection, sysctlsFromForm, sysctlsToForm, type SysctlsForm } from './SysctlsSection';
import { ErrorState, Loading } from '../ui/states';
import { FactList } from '../ui/facts';
import { useToast } from '../ui/toast';

type DaemonForm = { state: 'master' | 'backup'; interface: string; syncId: string; maxLen: string; group: string; port: string; ttl: string };
/** The sync daemon's text settings in form order: field, label, help, typed as a number. */
const DAEMON_TEXT: readonly (readonly [Exclude<keyof DaemonForm, 'state'>, string, string | undefined, boolean])[] = [
  ['interface', 'Interface (--mcast-interface)', undefined, false],
  ['syncId', 'Sync ID (--syncid)', '0–255', true],
  ['maxLen', 'Max length (--sync-maxlen)', 'blank = kernel default', true],
  ['group', 'Group (--mcast-group)', 'blank = 224.0.0.81', false],
  ['port', 'Port (--mcast-port)', 'blank = 8848', true],
  ['ttl', 'TTL (--mcast-ttl)', 'blank = 1', true],
];

type GlobalsForm = { timeoutsOn: boolean; tcp: string; tcpfin: string; udp: string; daemons: DaemonForm[]; sysctls: SysctlsForm };

const num = (t: string) => (t.trim() === '' ? undefined : /^\d+$/.test(t.trim()) ? Number(t) : t);

function toForm(g: Globals): GlobalsForm {
  const t = g.timeouts ?? DEFAULT_TIMEOUTS;
  return {
    timeoutsOn: g.timeouts !== null,
    tcp: String(t.tcp),
    tcpfin: String(t.tcpfin),
    udp: String(t.udp),
    daemons: g.syncDaemons.map((d) => ({
      state: d.state,
      interface: d.interface,
      syncId: String(d.syncId),
      maxLen: d.maxLen === undefined ? '' : String(d.maxLen),
      group: d.group ?? '',
      port: d.port === undefined ? '' : String(d.port),
      ttl: d.ttl === undefined ? '' : String(d.ttl),
    })),
    sysctls: sysctlsToForm(g.sysctls),
  };
}

function fromForm(d: GlobalsForm): unknown {
  return {
    timeouts: d.timeoutsOn ? { tcp: num(d.tcp), tcpfin: num(d.tcpfin), udp: num(d.udp) } : null,
    syncDaemons: d.daemons.map((x) => ({
      state: x.state,
      interface: x.interface,
      syncId: num(x.syncId),
      ...(x.maxLen.trim() ? { maxLen: num(x.maxLen) } : {}),
      ...(x.group.trim() ? { group: x.group.trim() } : {}),
      ...(x.port.trim() ? { port: num(x.port) } : {}),
      ...(x.ttl.trim() ? { ttl: num(x.ttl) } : {}),
    })),
    sysctls: sysctlsFromForm(d.sysctls),
  };
}

export function ClusterSettings({ cluster }: { cluster: string }) {
  const c = useCluster(cluster);
  const { can } = useSession();
  if (c.isPending) return <Loading rows={6} />;
  if (c.isError) return <ErrorState error={c.error} retry={() => c.refetch()} />;
  if (!can('operator')) {
    const g = c.data.config.globals;
    return (
      <div className="card" aria-label="Settings">
        <FactList
          labelWidth={200}
          facts={[
            ['Description', c.data.description || '—'],
            ['Drift policy', c.data.driftPolicy],
            ['Director settings', globalsText(g)],
          ]}
        />
      </div>
    );
  }
  return (
    <div className="stack" style={{ gap: 16 }}>
      <ClusterFields cluster={cluster} description={c.data.description} driftPolicy={c.data.driftPolicy} editable={can('operator')} />
      <GlobalsCard cluster={cluster} globals={c.data.config.globals} baseRevision={c.data.currentRevision?.number ?? 0} editable={can('operator')} />
    </div>
  );
}

/** "timeouts tcp 900 s, tcpfin 120 s, udp 300 s; sync: master on eth0 (syncid 1)" */
export function globalsText(g: Globals): string {
  const t = g.timeouts ? `timeouts tcp ${g.timeouts.tcp} s, tcpfin ${g.timeouts.tcpfin} s, udp ${g.timeouts.udp} s` : 'kernel timeouts left alone';
  const s = g.syncDaemons.length ? `sync: ${g.syncDaemons.map((d) => `${d.state} on ${d.interface} (syncid ${d.syncId})`).join(', ')}` : 'no sync daemon';
  const k = g.sysctls ? `IPVS settings: ${sysctlsToConf(g.sysctls).trim().split('\n').join(', ')}` : 'kernel IPVS settings left alone';
  return `${t}; ${s}; ${k}`;
}

function ClusterFields({ cluster, description, driftPolicy, editable }: { cluster: string; description: string; driftPolicy: 'enforce' | 'report'; editable: boolean }) {
  const [desc, setDesc] = useState(description);
  const [policy, setPolicy] = useState(driftPolicy);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const updateCluster = useUpdateCluster(cluster);
  const toast = useToast();
  const changed = desc !== description || policy !== driftPolicy;
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await updateCluster.mutateAsync({ ...(desc !== description ? { description: desc } : {}), ...(policy !== driftPolicy ? { driftPolicy: policy } : {}) });
      toast.show('ok', 'Cluster settings saved', policy !== driftPolicy ? `Drift policy is now “${policy}”; agents get it with the next push.` : undefined);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const at = (p: string) => issuesAt(error, p);
  return (
    <form className="card" onSubmit={save} aria-label="Cluster" noValidate>
      <h2 style={{ marginBottom: 12 }}>Cluster</h2>
      <div className="grid2">
        <Field label="Description" errors={at('description')}>
          <input type="text" value={desc} disabled={!editable} onChange={(e) => setDesc(e.target.value)} />
        </Field>
        <Field label="Drift policy" errors={at('driftPolicy')} help="what an agent does when the live table was changed by hand">
          <select value={policy} disabled={!editable} onChange={(e) => setPolicy(e.target.value as 'enforce' | 'report')}>
            <option value="enforce">enforce — re-apply the desired revision</option>
            <option value="report">report — leave it and flag the drift</option>
          </select>
        </Field>
      </div>
      {error && !errorIssues(error).length ? (
        <div className="notice bad" style={{ marginTop: 10 }}>
          {errorMessage(error)}
        </div>
      ) : null}
      {editable ? (
        <div className="row end" style={{ marginTop: 12 }}>
          <button type="submit" className="btn primary" disabled={!changed || busy}>
            Save
          </button>
        </div>
      ) : null}
    </form>
  );
}

function GlobalsCard({ cluster, globals, baseRevision, editable }: { cluster: string; globals: Globals; baseRevision: number; editable: boolean }) {
  const { draft, setGlobals } = useDraft(cluster);
  const [d, setD] = useState<GlobalsForm>(() => toForm(draft?.globals ?? globals));
  const [submitted, setSubmitted] = useState(false);
  const router = useRouter();
  const parsed = useMemo(() => GlobalsSchema.safeParse(fromForm(d)), [d]);
  const issues = useMemo(() => issuesByPath(parsed.success ? [] : zodIssues(parsed.error)), [parsed]);
  const e = (p: string) => (submitted ? issues.get(p) : undefined);
  const setDaemon = (i: number, patch: Partial<DaemonForm>) => setD((x) => ({ ...x, daemons: x.daemons.map((y, j) => (j === i ? { ...y, ...patch } : y)) }));
  const submit = (ev: React.FormEvent) => {
    ev.preventDefault();
    setSubmitted(true);
    if (!parsed.success) return;
    setGlobals(parsed.data, baseRevision);
    router.push(href.review(cluster));
  };
  const dis = !editable;
  return (
    <form className="card" onSubmit={submit} aria-label="Director settings" noValidate>
      <div className="card-head">
        <h2>Director settings</h2>
        <span className="small muted">part of every revision; applied on each director</span>
      </div>
      <section className="stack" style={{ gap: 10 }}>
        <Check checked={d.timeoutsOn} readOnly={dis} onChange={(on) => setD({ ...d, timeoutsOn: on })}>
          Set connection timeouts (<code>ipvsadm --set tcp tcpfin udp</code>); off leaves each kernel’s own values alone
        </Check>
        {d.timeoutsOn ? (
          <div className="grid3">
            {(['tcp', 'tcpfin', 'udp'] as const).map((k) => (
              <TextField
                key={k}
                label={`${k} (s)`}
                errors={e(`timeouts.${k}`)}
                help={`${k === 'tcp' ? 'established TCP' : k === 'tcpfin' ? 'TCP after FIN' : 'UDP'}; kernel default ${duration(DEFAULT_TIMEOUTS[k])}`}
                inputMode="numeric"
                value={d[k]}
                disabled={dis}
                onChange={(v) => setD({ ...d, [k]: v })}
              />
            ))}
          </div>
        ) : null}
      </section>
      <hr />
      <section className="stack" style={{ gap: 10 }}>
        <div className="row">
          <h3 className="grow">Connection synchronisation daemons</h3>
          {editable && d.daemons.length < 2 ? (
            <button
              type="button"
              className="btn small"
              onClick={() =>
                setD({
                  ...d,
                  daemons: [...d.daemons, { state: d.daemons.some((x) => x.state === 'master') ? 'backup' : 'master', interface: 'eth0', syncId: '0', maxLen: '', group: '', port: '', ttl: '' }],
                })
              }
            >
              + Add daemon
            </button>
          ) : null}
        </div>
        <p className="small faint" style={{ margin: 0 }}>
          A master multicasts its connection table so a backup director can take over without dropping established connections (<code>--start-daemon</code>).
        </p>
        {d.daemons.length === 0 ? <p className="small muted">None.</p> : null}
        {d.daemons.map((x, i) => (
          <div key={i} className="grid3" style={{ gridTemplateColumns: 'repeat(4, minmax(0, 1fr))', borderTop: '1px solid var(--border)', paddingTop: 10 }}>
            <Field label="State" errors={e(`syncDaemons.${i}.state`)}>
              <select value={x.state} disabled={dis} onChange={(ev) => setDaemon(i, { state: ev.target.value as 'master' | 'backup' })}>
                <option value="master">master</option>
                <option value="backup">backup</option>
              </select>
            </Field>
            {DAEMON_TEXT.map(([k, label, help, numeric]) => (
              <TextField
                key={k}
                label={label}
                errors={e(`syncDaemons.${i}.${k}`)}
                help={help}
                inputMode={numeric ? 'numeric' : undefined}
                value={x[k]}
                disabled={dis}
                onChange={(v) => setDaemon(i, { [k]: v })}
              />
            ))}
            {editable ? (
              <div style={{ alignSelf: 'end' }}>
                <button type="button" className="btn small ghost" onClick={() => setD({ ...d, daemons: d.daemons.filter((_, j) => j !== i) })}>
                  Remove daemon
                </button>
              </div>
            ) : null}
          </div>
        ))}
        {submitted && issues.get('syncDaemons') ? <div className="field-error">{issues.get('syncDaemons')!.join('; ')}</div> : null}
      </section>
      <hr />
      <SysctlsSection form={d.sysctls} set={(sysctls) => setD({ ...d, sysctls })} errors={e} disabled={dis} />
      {editable ? (
        <div className="row end" style={{ marginTop: 14 }}>
          {submitted && !parsed.success ? <span className="small bad-text grow">Fix the marked fields.</span> : null}
          <button type="submit" className="btn primary">
            Review &amp; apply
          </button>
        </div>
      ) : null}
    </form>
  );
}
