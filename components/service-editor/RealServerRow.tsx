'use client';
// One real server in the editor: address, port, forwarding, weight and thresholds, its live state,
// quiesce / drain / remove, the tunnel and drain options under it, and the issues of its fields.
import { FORWARDING, TUNNEL_CSUM, TUNNEL_TYPES } from '@/lib/ipvs/model';
import { realServerKeyId } from '@/lib/ipvs/keys';
import { FORWARDING_HELP } from '../ipvs-help';
import { REAL_SERVER_FORM_FIELDS, toggleQuiesce, type RealServerForm } from './form';
import { RealServerLive, type RealServerLiveInfo } from './RealServerLive';
import styles from './editor.module.css';
import { Options } from '../ui/field';

/** The numeric cells after forwarding, in column order: the form field and how its input is labelled. */
const NUMBER_CELLS = [
  ['weight', 'weight'],
  ['upperThreshold', 'upper threshold'],
  ['lowerThreshold', 'lower threshold'],
] as const satisfies readonly (readonly [keyof RealServerForm, string])[];

type NumberField = 'weight' | 'upperThreshold' | 'lowerThreshold' | 'tunnelPort' | 'drainTimeout';

export function RealServerRow({
  r,
  i,
  servicePort,
  readOnly,
  errs,
  touch,
  set,
  remove,
  live,
}: {
  r: RealServerForm;
  i: number;
  servicePort: string;
  readOnly: boolean;
  errs: (field: string) => string[] | undefined;
  touch: (field: string) => () => void;
  set: (patch: Partial<RealServerForm>) => void;
  remove: () => void;
  live?: Map<string, RealServerLiveInfo>;
}) {
  const who = r.address || `row ${i + 1}`;
  const rowErrors = REAL_SERVER_FORM_FIELDS.map((f) => [f, errs(f)] as const).filter(([, m]) => m && m.length);
  const bad = (f: string) => (errs(f)?.length ? true : undefined);
  const port = r.port.trim() || servicePort;
  const info = live?.get(realServerKeyId({ address: r.address, port: Number(port) || 0 }));
  const quiesced = r.weight.trim() === '0';
  /** a number the admin types for this server: its form field, how it is read out, its issues at `path` */
  const numberInput = (field: NumberField, label: string, className: string | undefined, path: string = field) => (
    <input
      className={className}
      type="text"
      inputMode="numeric"
      aria-label={`${label} of ${who}`}
      aria-invalid={bad(path)}
      value={r[field]}
      disabled={readOnly}
      onChange={(ev) => set({ [field]: ev.target.value })}
      onBlur={touch(path)}
    />
  );
  return (
    <>
      <tr className={r.drain ? styles.draining : undefined} data-testid={`rs-row-${i}`}>
        <td>
          <input
            className={styles.addr}
            type="text"
            aria-label={`real server ${i + 1} address`}
            aria-invalid={bad('address')}
            value={r.address}
            disabled={readOnly}
            onChange={(ev) => set({ address: ev.target.value })}
            onBlur={touch('address')}
            placeholder="192.168.1.2"
            spellCheck={false}
            autoComplete="off"
          />
        </td>
        <td>
          <input
            className={styles.port}
            type="text"
            inputMode="numeric"
            aria-label={`port of ${who}`}
            aria-invalid={bad('port')}
            value={r.port}
            disabled={readOnly}
            onChange={(ev) => set({ port: ev.target.value })}
            onBlur={touch('port')}
            placeholder={servicePort || 'svc'}
          />
        </td>
        <td>
          <select
            aria-label={`forwarding of ${who}`}
            value={r.forwarding}
            disabled={readOnly}
            onChange={(ev) => set({ forwarding: ev.target.value as RealServerForm['forwarding'] })}
            title={FORWARDING_HELP[r.forwarding].help}
          >
            <Options values={FORWARDING} label={(f) => `${FORWARDING_HELP[f].flag} ${f === 'route' ? 'Route (DR)' : f === 'masq' ? 'Masq (NAT)' : 'Tunnel'}`} />
          </select>
        </td>
        {NUMBER_CELLS.map(([field, label]) => (
          <td key={field}>{numberInput(field, label, styles.num)}</td>
        ))}
        <td className={styles.state}>
          <RealServerLive info={info} quiesced={quiesced} draining={r.drain} />
        </td>
        <td className={styles.actions}>
          {!readOnly ? (
            <>
              <button type="button" className="btn small" aria-pressed={quiesced} onClick={() => set(toggleQuiesce(r))} title="weight 0: no new connections, existing ones continue">
                {quiesced ? 'Restore' : 'Quiesce'}
              </button>
              <button
                type="button"
                className={`btn small ${r.drain ? 'danger' : ''}`}
                aria-pressed={r.drain}
                onClick={() => set(r.drain ? { drain: false } : { drain: true })}
                title="weight 0 now, removed when its connections reach 0 or the timeout passes"
              >
                {r.drain ? 'Cancel drain' : 'Drain'}
              </button>
              <button type="button" className="btn small ghost" aria-label={`remove ${who} now`} onClick={remove} title="remove at once (live connections to it break)">
                ✕
              </button>
            </>
          ) : null}
        </td>
      </tr>
      {r.forwarding === 'tunnel' || r.drain ? (
        <tr className="sub">
          <td colSpan={8}>
            <div className="row">
              {r.forwarding === 'tunnel' ? (
                <>
                  <label className="small">
                    Tunnel type{' '}
                    <select
                      aria-label={`tunnel type of ${who}`}
                      value={r.tunnelType || 'ipip'}
                      disabled={readOnly}
                      onChange={(ev) => set({ tunnelType: ev.target.value as RealServerForm['tunnelType'] })}
                    >
                      <Options values={TUNNEL_TYPES} />
                    </select>
                  </label>
                  {(r.tunnelType || 'ipip') === 'gue' ? <label className="small">--tun-port {numberInput('tunnelPort', 'tunnel port', styles.port)}</label> : null}
                  {(r.tunnelType || 'ipip') !== 'ipip' ? (
                    <label className="small">
                      Checksum{' '}
                      <select
                        aria-label={`tunnel checksum of ${who}`}
                        value={r.tunnelChecksum || 'nocsum'}
                        disabled={readOnly}
                        onChange={(ev) => set({ tunnelChecksum: ev.target.value as RealServerForm['tunnelChecksum'] })}
                      >
                        <Options values={TUNNEL_CSUM.filter((c) => r.tunnelType === 'gue' || c !== 'remcsum')} label={(c) => <>--tun-{c}</>} />
                      </select>
                    </label>
                  ) : null}
                </>
              ) : null}
              {r.drain ? <label className="small">Drain timeout (s) {numberInput('drainTimeout', 'drain timeout', styles.num, 'drain.timeout')}</label> : null}
            </div>
          </td>
        </tr>
      ) : null}
      {rowErrors.length ? (
        <tr className="sub">
          <td colSpan={8}>
            {rowErrors.map(([f, m]) => (
              <div key={f} className="field-error" role="alert">
                <code>{f}</code>: {m!.join('; ')}
              </div>
            ))}
          </td>
        </tr>
      ) : null}
    </>
  );
}
