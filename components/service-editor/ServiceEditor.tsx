'use client';
// The virtual service editor: every field of the model, validated on each keystroke with the same
// VirtualServiceSchema the API uses; each issue is shown at the field its path names.
// Each part of the form is a section component (./*Section.tsx) taking SectionProps.
import { useMemo, useState, type ReactNode } from 'react';
import type { VirtualService, VirtualServiceInput } from '@/lib/ipvs/model';
import { issuesByPath, type Issue } from '../ui/errors';
import { validateForm, type ServiceForm } from './form';
import { HealthCheckSection } from './HealthCheckSection';
import { KeepalivedSection } from './KeepalivedSection';
import { KeySection } from './KeySection';
import { PersistenceSection } from './PersistenceSection';
import { RealServersSection } from './RealServersSection';
import type { RealServerLiveInfo } from './RealServerLive';
import { SchedulingSection } from './SchedulingSection';
import type { FieldErrors, SectionProps } from './section';
import styles from './editor.module.css';

export type ServiceEditorProps = {
  initial: ServiceForm;
  mode: 'create' | 'edit';
  readOnly?: boolean;
  /** issues from the API, paths relative to this service ("realServers.0.weight") */
  serverIssues?: Issue[];
  /** live state per real server, keyed by realServerKeyId */
  live?: Map<string, RealServerLiveInfo>;
  submitLabel: string;
  /** a second submit button (e.g. "Add to change set") that validates the same way */
  secondaryLabel?: string;
  busy?: boolean;
  onSubmit: (service: VirtualService, input: VirtualServiceInput, via: 'primary' | 'secondary') => void;
  onCancel?: () => void;
  /** extra controls next to the submit button */
  actions?: ReactNode;
  /** told once the admin has changed anything (the page stops refreshing the form under them) */
  onDirty?: () => void;
  /** notes the page shows under the real servers, from the form as it is now (the drain workflow's warnings) */
  notices?: (form: ServiceForm) => ReactNode;
};

const FIELD_PATH =
  /^(protocol|fwmark|family|address|port|scheduler|schedFlags(\.\d+)?|persistence\.(timeout|netmask)|onePacket|healthCheck\.\w+|group|(sorryServer|quorum)\.\w+|quorum\.guard(\.\w+)?|realServers\.\d+\.(address|port|forwarding|weight|upperThreshold|lowerThreshold|tunnelType|tunnelPort|tunnelChecksum|drain\.timeout|healthCheck\.\w+))$/;

const NO_ISSUES: Issue[] = [];

export function ServiceEditor({
  initial,
  mode,
  readOnly = false,
  serverIssues = NO_ISSUES,
  live,
  submitLabel,
  secondaryLabel,
  busy,
  onSubmit,
  onCancel,
  actions,
  onDirty,
  notices,
}: ServiceEditorProps) {
  const [form, setForm] = useState<ServiceForm>(initial);
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const [submitted, setSubmitted] = useState(false);
  const result = useMemo(() => validateForm(form), [form]);
  const clientIssues = useMemo(() => (result.ok ? NO_ISSUES : result.issues), [result]);
  const byPath = useMemo(() => issuesByPath([...clientIssues, ...serverIssues]), [clientIssues, serverIssues]);

  const update: SectionProps['update'] = (next) => {
    onDirty?.();
    setForm(next);
  };
  const errs: FieldErrors = Object.assign((path: string) => (submitted || touched.has(path) || serverIssues.some((i) => i.path === path) ? byPath.get(path) : undefined), {
    under: (prefix: string) => (submitted || touched.size ? [...byPath].filter(([p]) => p === prefix || p.startsWith(`${prefix}.`)) : []),
  });
  const touch = (path: string) => () => setTouched((t) => (t.has(path) ? t : new Set(t).add(path)));
  const section: SectionProps = { form, update, errs, touch, readOnly };

  const submit = (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    setSubmitted(true);
    const via = (ev.nativeEvent as SubmitEvent).submitter?.getAttribute('data-via') === 'secondary' ? 'secondary' : 'primary';
    if (result.ok) onSubmit(result.service, result.input, via);
  };

  // issues no field shows (a duplicate key reported by the API, a root-level rule) still appear
  const unshown = submitted || serverIssues.length ? [...byPath].filter(([p]) => !FIELD_PATH.test(p)) : [];
  return (
    <form className={styles.editor} onSubmit={submit} noValidate aria-label="Virtual service">
      <KeySection {...section} keyLocked={mode === 'edit'} />
      <SchedulingSection {...section} />
      <PersistenceSection {...section} />
      <RealServersSection {...section} live={live} />
      {notices?.(form)}
      <HealthCheckSection {...section} />
      <KeepalivedSection {...section} />
      {unshown.length ? (
        <div className="notice bad" role="alert">
          <ul>
            {unshown.map(([p, m]) => (
              <li key={p}>
                {p ? <code>{p}</code> : null} {m.join('; ')}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {!readOnly ? (
        <div className={styles.footer}>
          {submitted && !result.ok ? (
            <span className="bad-text small" role="alert">
              {clientIssues.length} problem{clientIssues.length === 1 ? '' : 's'} to fix (marked above)
            </span>
          ) : null}
          <span className="grow" />
          {actions}
          {onCancel ? (
            <button type="button" className="btn" onClick={onCancel}>
              Cancel
            </button>
          ) : null}
          {secondaryLabel ? (
            <button type="submit" className="btn" data-via="secondary" disabled={busy}>
              {secondaryLabel}
            </button>
          ) : null}
          <button type="submit" className="btn primary" data-via="primary" disabled={busy}>
            {busy ? <span className="spinner" /> : null}
            {submitLabel}
          </button>
        </div>
      ) : null}
    </form>
  );
}
