'use client';
// The service's key: protocol and VIP:port, or firewall mark and family. Locked when editing.
import { PROTOCOLS } from '@/lib/ipvs/model';
import { Field, Options } from '../ui/field';
import { formTextFields } from './fields';
import type { ServiceForm } from './form';
import { formSetter, type SectionProps } from './section';
import styles from './editor.module.css';

const PROTO_LABEL: Record<string, string> = { tcp: 'TCP (-t)', udp: 'UDP (-u)', sctp: 'SCTP (--sctp-service)', fwmark: 'Firewall mark (-f)' };

export function KeySection({ keyLocked, ...section }: SectionProps & { keyLocked: boolean }) {
  const { form: d, update, errs: e, readOnly } = section;
  const set = formSetter(update);
  const fwm = d.protocol === 'fwmark';
  const locked = readOnly || keyLocked;
  const text = formTextFields(section, locked);
  return (
    <section className={styles.section} aria-labelledby="vs-h">
      <h3 id="vs-h">Virtual service</h3>
      <div className={styles.grid}>
        <Field label="Protocol" errors={e('protocol')} help={keyLocked ? 'The service key; changing it means delete + add.' : undefined}>
          <select value={d.protocol} disabled={locked} onChange={(ev) => set('protocol', ev.target.value as ServiceForm['protocol'])}>
            <Options values={[...PROTOCOLS, 'fwmark']} label={(p) => PROTO_LABEL[p]} />
          </select>
        </Field>
        {fwm ? (
          <>
            {text('Firewall mark', 'fwmark', { help: 'iptables -t mangle … -j MARK --set-mark N groups ports or protocols into one service', inputMode: 'numeric', placeholder: '1' })}
            <Field label="Address family" errors={e('family')}>
              <select value={d.family} disabled={locked} onChange={(ev) => set('family', ev.target.value as 'inet' | 'inet6')}>
                <option value="inet">IPv4</option>
                <option value="inet6">IPv6 (-6)</option>
              </select>
            </Field>
          </>
        ) : (
          <>
            {text('Virtual IP', 'address', { help: 'IPv4 or IPv6 literal (no host names)', placeholder: '10.0.0.1', spellCheck: false, autoComplete: 'off' })}
            {text('Port', 'port', { help: '0 = all ports (persistent services only)', inputMode: 'numeric', placeholder: '80' })}
          </>
        )}
      </div>
    </section>
  );
}
