'use client';
// The director's own probe of each real server (TCP connect or HTTP(S) GET), and what a failure does.
import { Field } from '../ui/field';
import type { ServiceForm } from './form';
import { CheckTypeOptions } from './KeepalivedSection';
import type { SectionProps } from './section';
import styles from './editor.module.css';

export function HealthCheckSection({ form: d, update, errs: e, touch, readOnly }: SectionProps) {
  const setHc = (patch: Partial<ServiceForm['healthCheck']>) => update((x) => ({ ...x, healthCheck: { ...x.healthCheck, ...patch } }));
  return (
    <section className={styles.section} aria-labelledby="hc-h">
      <h3 id="hc-h">Health check</h3>
      <label className="check">
        <input type="checkbox" checked={d.healthCheck.enabled} disabled={readOnly} onChange={(ev) => setHc({ enabled: ev.target.checked })} />
        Probe each real server from the director (like keepalived); failing servers are quiesced or removed, and restored when healthy
      </label>
      {d.healthCheck.enabled ? (
        <div className={styles.grid} style={{ marginTop: 10 }}>
          <Field label="Type" errors={e('healthCheck.type')}>
            <select value={d.healthCheck.type} disabled={readOnly} onChange={(ev) => setHc({ type: ev.target.value as ServiceForm['healthCheck']['type'] })}>
              <CheckTypeOptions />
            </select>
          </Field>
          <Field label="Port" errors={e('healthCheck.port')} help="blank = the real server's port">
            <input type="text" inputMode="numeric" value={d.healthCheck.port} disabled={readOnly} onChange={(ev) => setHc({ port: ev.target.value })} onBlur={touch('healthCheck.port')} />
          </Field>
          {d.healthCheck.type === 'http' || d.healthCheck.type === 'https' ? (
            <>
              <Field label="Path" errors={e('healthCheck.path')}>
                <input type="text" value={d.healthCheck.path} disabled={readOnly} onChange={(ev) => setHc({ path: ev.target.value })} onBlur={touch('healthCheck.path')} spellCheck={false} />
              </Field>
              <Field label="Expected status" errors={e('healthCheck.expectStatus')}>
                <input
                  type="text"
                  inputMode="numeric"
                  value={d.healthCheck.expectStatus}
                  disabled={readOnly}
                  onChange={(ev) => setHc({ expectStatus: ev.target.value })}
                  onBlur={touch('healthCheck.expectStatus')}
                />
              </Field>
              <Field label="Body must contain" errors={e('healthCheck.bodyMatch')} help="optional">
                <input type="text" value={d.healthCheck.bodyMatch} disabled={readOnly} onChange={(ev) => setHc({ bodyMatch: ev.target.value })} />
              </Field>
            </>
          ) : null}
          <Field label="Interval (s)" errors={e('healthCheck.interval')}>
            <input type="text" inputMode="numeric" value={d.healthCheck.interval} disabled={readOnly} onChange={(ev) => setHc({ interval: ev.target.value })} onBlur={touch('healthCheck.interval')} />
          </Field>
          <Field label="Timeout (s)" errors={e('healthCheck.timeout')}>
            <input type="text" inputMode="numeric" value={d.healthCheck.timeout} disabled={readOnly} onChange={(ev) => setHc({ timeout: ev.target.value })} onBlur={touch('healthCheck.timeout')} />
          </Field>
          <Field label="Rise" errors={e('healthCheck.rise')} help="successes to mark up">
            <input type="text" inputMode="numeric" value={d.healthCheck.rise} disabled={readOnly} onChange={(ev) => setHc({ rise: ev.target.value })} onBlur={touch('healthCheck.rise')} />
          </Field>
          <Field label="Fall" errors={e('healthCheck.fall')} help="failures to mark down">
            <input type="text" inputMode="numeric" value={d.healthCheck.fall} disabled={readOnly} onChange={(ev) => setHc({ fall: ev.target.value })} onBlur={touch('healthCheck.fall')} />
          </Field>
          <Field label="On failure" errors={e('healthCheck.onFailure')}>
            <select value={d.healthCheck.onFailure} disabled={readOnly} onChange={(ev) => setHc({ onFailure: ev.target.value as 'quiesce' | 'remove' })}>
              <option value="quiesce">Quiesce (weight 0)</option>
              <option value="remove">Remove the server</option>
            </select>
          </Field>
        </div>
      ) : null}
    </section>
  );
}
