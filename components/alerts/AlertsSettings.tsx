'use client';
// Cluster settings, health and alerts: the flapping rule, hold-down and disconnect limit; the
// webhook targets (admin only) with a "Send test" button each; and the delivery log.
import { useState } from 'react';
import { ALERT_KINDS, AlertSettingsSchema, type AlertDelivery, type AlertKind, type AlertSettings, type AlertTarget } from '@/lib/api/alerts';
import { useAlertDeliveries, useAlertSettings, useAlertTargets } from '../data/queries';
import { useCreateAlertTarget, useDeleteAlertTarget, useTestAlertTarget, useUpdateAlertSettings, useUpdateAlertTarget } from '../data/mutations';
import { ago, dateTime } from '../format';
import { useNow } from '../ui/hooks';
import { useSession } from '../session';
import { errorIssues, errorMessage, issuesAt } from '../ui/errors';
import { Field } from '../ui/field';
import { QueryState } from '../ui/states';
import { actionsColumn, DataTable, type Column } from '../ui/table';
import { useAttempt, useToast } from '../ui/toast';

const KIND_LABEL: Record<AlertKind, string> = {
  nack: 'NACK',
  drift: 'drift',
  split_brain: 'split brain',
  orphan_vip: 'orphan VIP',
  flapping: 'flapping',
  director_disconnected: 'director disconnected',
  rollout_held: 'rollout held',
  rollout_aborted: 'rollout aborted',
};

export function AlertsSettings({ cluster }: { cluster: string }) {
  const { can } = useSession();
  return (
    <div className="stack" style={{ gap: 16 }}>
      <HealthAlertSettings cluster={cluster} editable={can('admin')} />
      {can('admin') ? (
        <>
          <WebhookTargets cluster={cluster} />
          <DeliveryLog cluster={cluster} />
        </>
      ) : null}
    </div>
  );
}

const SETTING_FIELDS: { key: keyof AlertSettings; label: string; help: string }[] = [
  { key: 'flapTransitions', label: 'Flapping: transitions', help: 'this many health changes …' },
  { key: 'flapWindowMinutes', label: 'Flapping: within minutes', help: '… within this many minutes raises “flapping”' },
  { key: 'holdDownSeconds', label: 'Hold-down (s)', help: 'a flapping server stays out this long after it recovers; 0 = off (applied by the agents)' },
  { key: 'disconnectSeconds', label: 'Director disconnected after (s)', help: 'alert when a director’s agent has been away this long' },
];

function HealthAlertSettings({ cluster, editable }: { cluster: string; editable: boolean }) {
  return (
    <QueryState query={useAlertSettings(cluster)} rows={2}>
      {(saved) => <HealthAlertSettingsForm key={JSON.stringify(saved)} cluster={cluster} saved={saved} editable={editable} />}
    </QueryState>
  );
}

function HealthAlertSettingsForm({ cluster, saved, editable }: { cluster: string; saved: AlertSettings; editable: boolean }) {
  const [form, setForm] = useState<Record<keyof AlertSettings, string>>(() => Object.fromEntries(SETTING_FIELDS.map((f) => [f.key, String(saved[f.key])])) as Record<keyof AlertSettings, string>);
  const [error, setError] = useState<unknown>(null);
  const update = useUpdateAlertSettings(cluster);
  const toast = useToast();
  const parsed = AlertSettingsSchema.safeParse(Object.fromEntries(Object.entries(form).map(([k, v]) => [k, /^\d+$/.test(v.trim()) ? Number(v) : v])));
  const localIssues = parsed.success ? new Map<string, string[]>() : new Map(parsed.error.issues.map((i) => [String(i.path[0]), [i.message]]));
  const changed = SETTING_FIELDS.some((f) => form[f.key] !== String(saved[f.key]));
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!parsed.success) return;
    setError(null);
    try {
      await update.mutateAsync(parsed.data);
      toast.show('ok', 'Health and alert settings saved', 'The hold-down reaches the agents with the next push.');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card" aria-label="Health and alerts" onSubmit={save} noValidate>
      <h2 style={{ marginBottom: 12 }}>Health history and alerts</h2>
      <div className="grid2">
        {SETTING_FIELDS.map((f) => (
          <Field key={f.key} label={f.label} help={f.help} errors={[...(localIssues.get(f.key) ?? []), ...issuesAt(error, f.key)]}>
            <input type="text" inputMode="numeric" value={form[f.key]} disabled={!editable} onChange={(e) => setForm({ ...form, [f.key]: e.target.value })} />
          </Field>
        ))}
      </div>
      {error && !errorIssues(error).length ? <div className="notice bad">{errorMessage(error)}</div> : null}
      {editable ? (
        <div className="row end" style={{ marginTop: 12 }}>
          <button type="submit" className="btn primary" disabled={!changed || !parsed.success || update.isPending}>
            Save
          </button>
        </div>
      ) : null}
    </form>
  );
}

const TARGET_COLUMNS: Column<AlertTarget>[] = [
  { header: 'Name', cell: (t) => t.name },
  { header: 'Format', cell: (t) => (t.format === 'slack' ? 'Slack' : 'JSON') },
  { header: 'URL', className: 'mono', td: (t) => ({ style: { maxWidth: 280, overflow: 'hidden', textOverflow: 'ellipsis' }, title: t.url }), cell: (t) => t.url },
  { header: 'Alerts', className: 'small', cell: (t) => (t.kinds.length === ALERT_KINDS.length ? 'all' : t.kinds.map((k) => KIND_LABEL[k]).join(', ')) },
  { header: 'State', cell: (t) => <span className={`badge ${t.enabled ? 'ok' : 'warn'}`}>{t.enabled ? 'enabled' : 'disabled'}</span> },
];

function WebhookTargets({ cluster }: { cluster: string }) {
  const q = useAlertTargets(cluster);
  const test = useTestAlertTarget(cluster);
  const upd = useUpdateAlertTarget(cluster);
  const del = useDeleteAlertTarget(cluster);
  const toast = useToast();
  const attempt = useAttempt();
  const act = (what: string, f: () => Promise<unknown>) =>
    attempt(`${what} failed`, async () => {
      await f();
      toast.show('ok', what);
    });
  return (
    <section className="card stack" aria-label="Webhook targets">
      <h2>Webhook targets</h2>
      <QueryState query={q} rows={2} isEmpty={(d) => d.targets.length === 0} empty={<p className="muted">No webhook targets: alerts of this cluster are only in the audit log.</p>}>
        {(d) => (
          <DataTable
            testId="alert-targets"
            rows={d.targets}
            rowKey={(t) => t.id}
            columns={[
              ...TARGET_COLUMNS,
              actionsColumn<AlertTarget>(
                (t) => (
                  <>
                    <button type="button" className="btn small" aria-label={`Send test to ${t.name}`} onClick={() => act(`Test sent to ${t.name}`, () => test.mutateAsync(t.id))}>
                      Send test
                    </button>
                    <button
                      type="button"
                      className="btn small"
                      onClick={() => act(`${t.name} ${t.enabled ? 'disabled' : 'enabled'}`, () => upd.mutateAsync({ target: t.id, body: { enabled: !t.enabled } }))}
                    >
                      {t.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" className="btn small danger" aria-label={`Delete ${t.name}`} onClick={() => act(`${t.name} deleted`, () => del.mutateAsync(t.id))}>
                      Delete
                    </button>
                  </>
                ),
                { className: 'row', td: () => ({ style: { gap: 6, justifyContent: 'flex-end' } }) },
              ),
            ]}
          />
        )}
      </QueryState>
      <NewTargetForm cluster={cluster} />
    </section>
  );
}

function NewTargetForm({ cluster }: { cluster: string }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<'json' | 'slack'>('json');
  const [kinds, setKinds] = useState<Set<AlertKind>>(() => new Set(ALERT_KINDS));
  const [error, setError] = useState<unknown>(null);
  const create = useCreateAlertTarget(cluster);
  const toast = useToast();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const t = await create.mutateAsync({ name, url, format, kinds: ALERT_KINDS.filter((k) => kinds.has(k)) });
      toast.show('ok', `Webhook target ${t.name} added`);
      setName('');
      setUrl('');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit} aria-label="New webhook target" className="stack" style={{ gap: 10 }} noValidate>
      <h3>Add a webhook target</h3>
      <div className="grid2">
        <Field label="Name" errors={issuesAt(error, 'name')}>
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="URL" errors={issuesAt(error, 'url')} help="http:// or https://; redirects are not followed">
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/lvs" />
        </Field>
        <Field label="Format">
          <select value={format} onChange={(e) => setFormat(e.target.value as 'json' | 'slack')}>
            <option value="json">generic JSON (the alert event)</option>
            <option value="slack">Slack-compatible ({'{ text }'})</option>
          </select>
        </Field>
      </div>
      <fieldset className="row" style={{ flexWrap: 'wrap', gap: 12, border: 0, padding: 0 }}>
        <legend className="small muted">Alerts it receives</legend>
        {ALERT_KINDS.map((k) => (
          <label key={k} className="row" style={{ gap: 4 }}>
            <input
              type="checkbox"
              checked={kinds.has(k)}
              onChange={(e) => {
                const next = new Set(kinds);
                if (e.target.checked) next.add(k);
                else next.delete(k);
                setKinds(next);
              }}
            />
            {KIND_LABEL[k]}
          </label>
        ))}
      </fieldset>
      {issuesAt(error, 'kinds').length ? <div className="error">{issuesAt(error, 'kinds').join('; ')}</div> : null}
      {error && !errorIssues(error).length ? <div className="notice bad">{errorMessage(error)}</div> : null}
      <div className="row end">
        <button type="submit" className="btn primary" disabled={create.isPending}>
          Add target
        </button>
      </div>
    </form>
  );
}

const STATUS_TONE = { delivered: 'ok', pending: 'warn', sending: 'info', failed: 'bad' } as const;

function deliveryColumns(when: (t: string) => string): Column<AlertDelivery>[] {
  return [
    { header: 'Raised', className: 'small', td: (d) => ({ title: d.createdAt }), cell: (d) => when(d.createdAt) },
    { header: 'Target', cell: (d) => d.target },
    {
      header: 'Alert',
      cell: (d) => (
        <>
          <strong>{d.kind === 'test' ? 'test' : KIND_LABEL[d.kind]}</strong> <span className="small muted">{d.summary}</span>
        </>
      ),
    },
    {
      header: 'Status',
      cell: (d) => (
        <>
          <span className={`badge ${STATUS_TONE[d.status]}`}>{d.status}</span>
          {d.nextAttemptAt ? <span className="small muted"> retry {when(d.nextAttemptAt)}</span> : null}
        </>
      ),
    },
    { header: 'Attempts', num: true, cell: (d) => d.attempts },
    { header: 'Response', num: true, cell: (d) => d.responseCode ?? '–' },
    { header: 'Last error', className: 'small', cell: (d) => d.lastError ?? '–' },
  ];
}

function DeliveryLog({ cluster }: { cluster: string }) {
  const q = useAlertDeliveries(cluster);
  const now = useNow(5000);
  const when = (t: string) => (now === null ? dateTime(t) : ago(t, now));
  return (
    <section className="card stack" aria-label="Delivery log">
      <h2>Delivery log</h2>
      <QueryState query={q} rows={3} isEmpty={(d) => d.deliveries.length === 0} empty={<p className="muted">Nothing sent yet.</p>}>
        {(d) => <DataTable testId="alert-deliveries" columns={deliveryColumns(when)} rows={d.deliveries} rowKey={(x) => x.id} rowProps={(x) => ({ 'data-kind': x.kind, 'data-status': x.status })} />}
      </QueryState>
    </section>
  );
}
