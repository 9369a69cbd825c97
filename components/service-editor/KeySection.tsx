'use client';
// The service's key: protocol and VIP:port, or firewall mark and family. Locked when editing.
import { PROTOCOLS } from '@/lib/ipvs/model';
import { Field, Options, TextField } from '../ui/field';
import type { ServiceForm } from './form';
import { formSetter, type SectionProps } from './section';
import styles from './editor.module.css';

const PROTO_LABEL: Record<string, string> = { tcp: 'TCP (-t)', udp: 'UDP (-u)', sctp: 'SCTP (--sctp-service)', fwmark: 'Firewall mark (-f)' };

export function KeySection({ form: d, update, errs: e, touch, readOnly, keyLocked }: SectionProps & { keyLocked: boolean }) {
  const set = formSetter(update);
  const fwm = d.protocol === 'fwmark';
  const locked = readOnly || keyLocked;
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
            <TextField
              label="Firewall mark"
              errors={e('fwmark')}
              help="iptables -t mangle … -j MARK --set-mark N groups ports or protocols into one service"
              inputMode="numeric"
              value={d.fwmark}
              disabled={locked}
              onChange={(v) => set('fwmark', v)}
              onBlur={touch('fwmark')}
              placeholder="1"
            />
            <Field label="Address family" errors={e('family')}>
              <select value={d.family} disabled={locked} onChange={(ev) => set('family', ev.target.value as 'inet' | 'inet6')}>
                <option value="inet">IPv4</option>
                <option value="inet6">IPv6 (-6)</option>
              </select>
            </Field>
          </>
        ) : (
          <>
            <TextField
              label="Virtual IP"
              errors={e('address')}
              help="IPv4 or IPv6 literal (no host names)"
              value={d.address}
              disabled={locked}
              onChange={(v) => set('address', v)}
              onBlur={touch('address')}
              placeholder="10.0.0.1"
              spellCheck={false}
              autoComplete="off"
            />
            <TextField
              label="Port"
              errors={e('port')}
              help="0 = all ports (persistent services only)"
              inputMode="numeric"
              value={d.port}
              disabled={locked}
              onChange={(v) => set('port', v)}
              onBlur={touch('port')}
              placeholder="80"
            />
          </>
        )}
      </div>
    </section>
  );
}
