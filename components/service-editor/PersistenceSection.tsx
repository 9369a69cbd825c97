'use client';
// Persistence (-p timeout, -M granularity, --pe sip) and one-packet scheduling (-o).
import { Field } from '../ui/field';
import type { ServiceForm } from './form';
import type { SectionProps } from './section';
import styles from './editor.module.css';

export function PersistenceSection({ form: d, update, errs: e, touch, readOnly }: SectionProps) {
  const set = <K extends keyof ServiceForm>(k: K, v: ServiceForm[K]) => update((x) => ({ ...x, [k]: v }));
  const fwm = d.protocol === 'fwmark';
  return (
    <section className={styles.section} aria-labelledby="pers-h">
      <h3 id="pers-h">Persistence</h3>
      <div className={styles.grid}>
        <label className={`check ${styles.span2}`}>
          <input type="checkbox" checked={d.persistent} disabled={readOnly} onChange={(ev) => set('persistent', ev.target.checked)} />
          Persistent (-p): a client keeps going to the same real server
        </label>
        {d.persistent ? (
          <>
            <Field label="Timeout (s)" errors={e('persistence.timeout')} help="1 s – 31 days; ipvsadm's -p default is 360">
              <input
                type="text"
                inputMode="numeric"
                value={d.persistenceTimeout}
                disabled={readOnly}
                onChange={(ev) => set('persistenceTimeout', ev.target.value)}
                onBlur={touch('persistence.timeout')}
              />
            </Field>
            <Field
              label="Granularity (-M)"
              errors={e('persistence.netmask')}
              help={(fwm ? d.family === 'inet6' : d.address.includes(':')) ? 'IPv6 prefix length, e.g. 64; blank = /128' : 'dotted mask, e.g. 255.255.255.0; blank = /32'}
            >
              <input type="text" value={d.netmask} disabled={readOnly} onChange={(ev) => set('netmask', ev.target.value)} onBlur={touch('persistence.netmask')} spellCheck={false} />
            </Field>
            <label className={`check ${styles.span2}`}>
              <input type="checkbox" checked={d.sipPe} disabled={readOnly} onChange={(ev) => set('sipPe', ev.target.checked)} />
              SIP persistence engine (--pe sip): persist on the Call-ID
            </label>
          </>
        ) : null}
        <div className={styles.span2}>
          <label className="check">
            <input
              type="checkbox"
              checked={d.onePacket}
              disabled={readOnly}
              onChange={(ev) => set('onePacket', ev.target.checked)}
              onBlur={touch('onePacket')}
              aria-invalid={e('onePacket') ? true : undefined}
            />
            One-packet scheduling (-o): schedule each UDP datagram on its own
          </label>
          {e('onePacket') ? (
            <div className="field-error" role="alert">
              {e('onePacket')!.join('; ')}
            </div>
          ) : null}
        </div>
      </div>
    </section>
  );
}
