'use client';
// Persistence (-p timeout, -M granularity, --pe sip) and one-packet scheduling (-o).
import { Check } from '../ui/field';
import { formTextFields } from './fields';
import { formSetter, type SectionProps } from './section';
import styles from './editor.module.css';

export function PersistenceSection(section: SectionProps) {
  const { form: d, update, errs: e, touch, readOnly } = section;
  const text = formTextFields(section, readOnly);
  const set = formSetter(update);
  const fwm = d.protocol === 'fwmark';
  return (
    <section className={styles.section} aria-labelledby="pers-h">
      <h3 id="pers-h">Persistence</h3>
      <div className={styles.grid}>
        <Check className={styles.span2} checked={d.persistent} readOnly={readOnly} onChange={(on) => set('persistent', on)}>
          Persistent (-p): a client keeps going to the same real server
        </Check>
        {d.persistent ? (
          <>
            {text('Timeout (s)', 'persistenceTimeout', { path: 'persistence.timeout', help: "1 s – 31 days; ipvsadm's -p default is 360", inputMode: 'numeric' })}
            {text('Granularity (-M)', 'netmask', {
              path: 'persistence.netmask',
              help: (fwm ? d.family === 'inet6' : d.address.includes(':')) ? 'IPv6 prefix length, e.g. 64; blank = /128' : 'dotted mask, e.g. 255.255.255.0; blank = /32',
              spellCheck: false,
            })}
            <Check className={styles.span2} checked={d.sipPe} readOnly={readOnly} onChange={(on) => set('sipPe', on)}>
              SIP persistence engine (--pe sip): persist on the Call-ID
            </Check>
          </>
        ) : null}
        <div className={styles.span2}>
          <Check checked={d.onePacket} readOnly={readOnly} onChange={(on) => set('onePacket', on)} onBlur={touch('onePacket')} aria-invalid={e('onePacket') ? true : undefined}>
            One-packet scheduling (-o): schedule each UDP datagram on its own
          </Check>
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
