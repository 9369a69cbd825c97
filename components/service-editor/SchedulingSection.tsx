'use client';
// Scheduler (-s) with what it does, and the flags (-b) it takes; switching scheduler renames the flag bits.
import { SCHEDULERS } from '@/lib/ipvs/model';
import { SCHEDULER_HELP, SCHED_FLAG_HELP, flagsFor } from '../ipvs-help';
import { Field, Options } from '../ui/field';
import { renameFlags, type ServiceForm } from './form';
import { formSetter, type SectionProps } from './section';
import styles from './editor.module.css';

export function SchedulingSection({ form: d, update, errs: e, readOnly }: SectionProps) {
  const set = formSetter(update);
  const flagChoices = flagsFor(d.scheduler);
  const flagIssues = e.under('schedFlags');
  return (
    <section className={styles.section} aria-labelledby="sched-h">
      <h3 id="sched-h">Scheduling</h3>
      <div className={styles.grid}>
        <Field label="Scheduler (-s)" errors={e('scheduler')} className={styles.span2}>
          <select
            value={d.scheduler}
            disabled={readOnly}
            onChange={(ev) => {
              const s = ev.target.value as ServiceForm['scheduler'];
              update((x) => ({ ...x, scheduler: s, schedFlags: renameFlags(x.schedFlags, s) }));
            }}
          >
            <Options
              values={SCHEDULERS}
              label={(s) => (
                <>
                  {s} — {SCHEDULER_HELP[s].name}
                </>
              )}
            />
          </select>
        </Field>
        <div className={`field ${styles.span2}`}>
          <span className="label">What {d.scheduler} does</span>
          <p className={styles.schedHelp} data-testid="scheduler-help">
            {SCHEDULER_HELP[d.scheduler].help}
          </p>
        </div>
      </div>
      <fieldset className={styles.flags} disabled={readOnly}>
        <legend>Scheduler flags (-b)</legend>
        {flagChoices.map((f) => (
          <label key={f} className="check" title={SCHED_FLAG_HELP[f]}>
            <input type="checkbox" checked={d.schedFlags.includes(f)} onChange={(ev) => set('schedFlags', ev.target.checked ? [...d.schedFlags, f] : d.schedFlags.filter((x) => x !== f))} />
            <code>{f}</code>
            <span className="faint small">{SCHED_FLAG_HELP[f]}</span>
          </label>
        ))}
        {flagIssues.map(([p, m]) => (
          <div key={p} className="field-error">
            {m.join('; ')}
          </div>
        ))}
      </fieldset>
    </section>
  );
}
