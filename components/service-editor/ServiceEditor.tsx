'use client';
// The virtual service editor: every field of the model, validated on each keystroke with the same
// VirtualServiceSchema the API uses; each issue is shown at the field its path names.
import { useMemo, useState, type ReactNode } from 'react';
import { FORWARDING, PROTOCOLS, SCHEDULERS, TUNNEL_CSUM, TUNNEL_TYPES, type VirtualService, type VirtualServiceInput } from '@/lib/ipvs/model';
import { FORWARDING_HELP, SCHEDULER_HELP, SCHED_FLAG_HELP, flagsFor } from '../ipvs-help';
import { Field } from '../ui/field';
import { issuesByPath, type Issue } from '../ui/errors';
import { emptyRealServer, renameFlags, toggleQuiesce, validateForm, type RealServerForm, type ServiceForm } from './form';
import { RealServerLive, type RealServerLiveInfo } from './RealServerLive';
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
};

const FIELD_PATH =
  /^(protocol|fwmark|family|address|port|scheduler|schedFlags(\.\d+)?|persistence\.(timeout|netmask)|onePacket|healthCheck\.\w+|realServers\.\d+\.(address|port|forwarding|weight|upperThreshold|lowerThreshold|tunnelType|tunnelPort|tunnelChecksum|drain\.timeout))$/;

const PROTO_LABEL: Record<string, string> = { tcp: 'TCP (-t)', udp: 'UDP (-u)', sctp: 'SCTP (--sctp-service)', fwmark: 'Firewall mark (-f)' };

export function ServiceEditor({ initial, mode, readOnly = false, serverIssues = [], live, submitLabel, secondaryLabel, busy, onSubmit, onCancel, actions, onDirty }: ServiceEditorProps) {
  const [d, setForm] = useState<ServiceForm>(initial);
  const setD: typeof setForm = (v) => {
    onDirty?.();
    setForm(v);
  };
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const [submitted, setSubmitted] = useState(false);
  const result = useMemo(() => validateForm(d), [d]);
  const clientIssues = result.ok ? [] : result.issues;
  const byPath = useMemo(() => issuesByPath([...clientIssues, ...serverIssues]), [clientIssues, serverIssues]);
  const errs = (path: string) => (submitted || touched.has(path) || serverIssues.some((i) => i.path === path) ? byPath.get(path) : undefined);
  const touch = (path: string) => () => setTouched((t) => (t.has(path) ? t : new Set(t).add(path)));
  const set = <K extends keyof ServiceForm>(k: K, v: ServiceForm[K]) => setD((x) => ({ ...x, [k]: v }));
  const setRs = (i: number, patch: Partial<RealServerForm>) =>
    setD((x) => ({ ...x, realServers: x.realServers.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));
  const setHc = (patch: Partial<ServiceForm['healthCheck']>) => setD((x) => ({ ...x, healthCheck: { ...x.healthCheck, ...patch } }));
  const fwm = d.protocol === 'fwmark';
  const keyLocked = mode === 'edit';
  const e = errs;

  const submit = (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    setSubmitted(true);
    const via = (ev.nativeEvent as SubmitEvent).submitter?.getAttribute('data-via') === 'secondary' ? 'secondary' : 'primary';
    if (result.ok) onSubmit(result.service, result.input, via);
  };

  const flagChoices = flagsFor(d.scheduler);
  const body = (
    <>
      <section className={styles.section} aria-labelledby="vs-h">
        <h3 id="vs-h">Virtual service</h3>
        <div className={styles.grid}>
          <Field label="Protocol" errors={e('protocol')} help={keyLocked ? 'The service key; changing it means delete + add.' : undefined}>
            <select value={d.protocol} disabled={readOnly || keyLocked} onChange={(ev) => set('protocol', ev.target.value as ServiceForm['protocol'])}>
              {[...PROTOCOLS, 'fwmark'].map((p) => (
                <option key={p} value={p}>
                  {PROTO_LABEL[p]}
                </option>
              ))}
            </select>
          </Field>
          {fwm ? (
            <>
              <Field label="Firewall mark" errors={e('fwmark')} help="iptables -t mangle … -j MARK --set-mark N groups ports or protocols into one service">
                <input type="text" inputMode="numeric" value={d.fwmark} disabled={readOnly || keyLocked} onChange={(ev) => set('fwmark', ev.target.value)} onBlur={touch('fwmark')} placeholder="1" />
              </Field>
              <Field label="Address family" errors={e('family')}>
                <select value={d.family} disabled={readOnly || keyLocked} onChange={(ev) => set('family', ev.target.value as 'inet' | 'inet6')}>
                  <option value="inet">IPv4</option>
                  <option value="inet6">IPv6 (-6)</option>
                </select>
              </Field>
            </>
          ) : (
            <>
              <Field label="Virtual IP" errors={e('address')} help="IPv4 or IPv6 literal (no host names)">
                <input type="text" value={d.address} disabled={readOnly || keyLocked} onChange={(ev) => set('address', ev.target.value)} onBlur={touch('address')} placeholder="10.0.0.1" spellCheck={false} autoComplete="off" />
              </Field>
              <Field label="Port" errors={e('port')} help="0 = all ports (persistent services only)">
                <input type="text" inputMode="numeric" value={d.port} disabled={readOnly || keyLocked} onChange={(ev) => set('port', ev.target.value)} onBlur={touch('port')} placeholder="80" />
              </Field>
            </>
          )}
        </div>
      </section>

      <section className={styles.section} aria-labelledby="sched-h">
        <h3 id="sched-h">Scheduling</h3>
        <div className={styles.grid}>
          <Field label="Scheduler (-s)" errors={e('scheduler')} className={styles.span2}>
            <select
              value={d.scheduler}
              disabled={readOnly}
              onChange={(ev) => {
                const s = ev.target.value as ServiceForm['scheduler'];
                setD((x) => ({ ...x, scheduler: s, schedFlags: renameFlags(x.schedFlags, s) }));
              }}
            >
              {SCHEDULERS.map((s) => (
                <option key={s} value={s}>
                  {s} — {SCHEDULER_HELP[s].name}
                </option>
              ))}
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
              <input
                type="checkbox"
                checked={d.schedFlags.includes(f)}
                onChange={(ev) => set('schedFlags', ev.target.checked ? [...d.schedFlags, f] : d.schedFlags.filter((x) => x !== f))}
              />
              <code>{f}</code>
              <span className="faint small">{SCHED_FLAG_HELP[f]}</span>
            </label>
          ))}
          {(() => {
            const issues = [...byPath].filter(([p]) => p.startsWith('schedFlags'));
            return submitted || touched.size ? issues.map(([p, m]) => <div key={p} className="field-error">{m.join('; ')}</div>) : null;
          })()}
        </fieldset>
      </section>

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
                <input type="text" inputMode="numeric" value={d.persistenceTimeout} disabled={readOnly} onChange={(ev) => set('persistenceTimeout', ev.target.value)} onBlur={touch('persistence.timeout')} />
              </Field>
              <Field label="Granularity (-M)" errors={e('persistence.netmask')} help={(fwm ? d.family === 'inet6' : d.address.includes(':')) ? 'IPv6 prefix length, e.g. 64; blank = /128' : 'dotted mask, e.g. 255.255.255.0; blank = /32'}>
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
              <input type="checkbox" checked={d.onePacket} disabled={readOnly} onChange={(ev) => set('onePacket', ev.target.checked)} onBlur={touch('onePacket')} aria-invalid={e('onePacket') ? true : undefined} />
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

      <section className={styles.section} aria-labelledby="rs-h">
        <div className="row">
          <h3 id="rs-h" className="grow">
            Real servers <span className="faint">({d.realServers.length})</span>
          </h3>
          {!readOnly ? (
            <button
              type="button"
              className="btn small"
              onClick={() => setD((x) => ({ ...x, realServers: [...x.realServers, emptyRealServer({ forwarding: x.realServers.at(-1)?.forwarding ?? 'route' })] }))}
            >
              + Add real server
            </button>
          ) : null}
        </div>
        <p className="small faint">
          Forwarding: {FORWARDING.map((f) => `${FORWARDING_HELP[f].flag} ${FORWARDING_HELP[f].name}`).join(' · ')}. Quiesce sets weight 0: no new connections, existing ones continue. Drain quiesces, waits until the
          connections are gone (or the timeout passes), then removes the server.
        </p>
        {d.realServers.length === 0 ? (
          <div className="empty small">No real servers: the director will drop (ICMP port unreachable) every new connection to this service.</div>
        ) : (
          <div className="table-wrap">
            <table className={`data ${styles.rsTable}`}>
              <thead>
                <tr>
                  <th>Address</th>
                  <th>Port</th>
                  <th>Forward</th>
                  <th>Weight</th>
                  <th title="upper connection threshold (-x), 0 = none">Max (-x)</th>
                  <th title="lower connection threshold (-y), 0 = none">Min (-y)</th>
                  <th>State</th>
                  <th className="sr-only">Actions</th>
                </tr>
              </thead>
              <tbody>
                {d.realServers.map((r, i) => (
                  <RealServerRow
                    key={r.uid}
                    r={r}
                    i={i}
                    servicePort={fwm ? '0' : d.port}
                    readOnly={readOnly}
                    errs={(f) => errs(`realServers.${i}.${f}`)}
                    touch={(f) => touch(`realServers.${i}.${f}`)}
                    set={(p) => setRs(i, p)}
                    remove={() => setD((x) => ({ ...x, realServers: x.realServers.filter((_, j) => j !== i) }))}
                    live={live}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className={styles.section} aria-labelledby="hc-h">
        <h3 id="hc-h">Health check</h3>
        <label className="check">
          <input type="checkbox" checked={d.healthCheck.enabled} disabled={readOnly} onChange={(ev) => setHc({ enabled: ev.target.checked })} />
          Probe each real server from the director (like keepalived); failing servers are quiesced or removed, and restored when healthy
        </label>
        {d.healthCheck.enabled ? (
          <div className={styles.grid} style={{ marginTop: 10 }}>
            <Field label="Type" errors={e('healthCheck.type')}>
              <select value={d.healthCheck.type} disabled={readOnly} onChange={(ev) => setHc({ type: ev.target.value as 'tcp' | 'http' | 'https' })}>
                <option value="tcp">TCP connect</option>
                <option value="http">HTTP GET</option>
                <option value="https">HTTPS GET</option>
              </select>
            </Field>
            <Field label="Port" errors={e('healthCheck.port')} help="blank = the real server's port">
              <input type="text" inputMode="numeric" value={d.healthCheck.port} disabled={readOnly} onChange={(ev) => setHc({ port: ev.target.value })} onBlur={touch('healthCheck.port')} />
            </Field>
            {d.healthCheck.type !== 'tcp' ? (
              <>
                <Field label="Path" errors={e('healthCheck.path')}>
                  <input type="text" value={d.healthCheck.path} disabled={readOnly} onChange={(ev) => setHc({ path: ev.target.value })} onBlur={touch('healthCheck.path')} spellCheck={false} />
                </Field>
                <Field label="Expected status" errors={e('healthCheck.expectStatus')}>
                  <input type="text" inputMode="numeric" value={d.healthCheck.expectStatus} disabled={readOnly} onChange={(ev) => setHc({ expectStatus: ev.target.value })} onBlur={touch('healthCheck.expectStatus')} />
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
    </>
  );

  // issues no field shows (a duplicate key reported by the API, a root-level rule) still appear
  const unshown = submitted || serverIssues.length ? [...byPath].filter(([p]) => !FIELD_PATH.test(p)) : [];
  return (
    <form className={styles.editor} onSubmit={submit} noValidate aria-label="Virtual service">
      {body}
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

function RealServerRow({ r, i, servicePort, readOnly, errs, touch, set, remove, live }: {
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
  const rowErrors = ['address', 'port', 'forwarding', 'weight', 'upperThreshold', 'lowerThreshold', 'tunnelType', 'tunnelPort', 'tunnelChecksum', 'drain.timeout']
    .map((f) => [f, errs(f)] as const)
    .filter(([, m]) => m && m.length);
  const bad = (f: string) => (errs(f)?.length ? true : undefined);
  const port = r.port.trim() || servicePort;
  const info = live?.get(`${r.address}|${Number(port) || 0}`);
  const quiesced = r.weight.trim() === '0';
  return (
    <>
      <tr className={r.drain ? styles.draining : undefined} data-testid={`rs-row-${i}`}>
        <td>
          <input className={styles.addr} type="text" aria-label={`real server ${i + 1} address`} aria-invalid={bad('address')} value={r.address} disabled={readOnly} onChange={(ev) => set({ address: ev.target.value })} onBlur={touch('address')} placeholder="192.168.1.2" spellCheck={false} autoComplete="off" />
        </td>
        <td>
          <input className={styles.port} type="text" inputMode="numeric" aria-label={`port of ${who}`} aria-invalid={bad('port')} value={r.port} disabled={readOnly} onChange={(ev) => set({ port: ev.target.value })} onBlur={touch('port')} placeholder={servicePort || 'svc'} />
        </td>
        <td>
          <select aria-label={`forwarding of ${who}`} value={r.forwarding} disabled={readOnly} onChange={(ev) => set({ forwarding: ev.target.value as RealServerForm['forwarding'] })} title={FORWARDING_HELP[r.forwarding].help}>
            {FORWARDING.map((f) => (
              <option key={f} value={f}>
                {FORWARDING_HELP[f].flag} {f === 'route' ? 'Route (DR)' : f === 'masq' ? 'Masq (NAT)' : 'Tunnel'}
              </option>
            ))}
          </select>
        </td>
        <td>
          <input className={styles.num} type="text" inputMode="numeric" aria-label={`weight of ${who}`} aria-invalid={bad('weight')} value={r.weight} disabled={readOnly} onChange={(ev) => set({ weight: ev.target.value })} onBlur={touch('weight')} />
        </td>
        <td>
          <input className={styles.num} type="text" inputMode="numeric" aria-label={`upper threshold of ${who}`} aria-invalid={bad('upperThreshold')} value={r.upperThreshold} disabled={readOnly} onChange={(ev) => set({ upperThreshold: ev.target.value })} onBlur={touch('upperThreshold')} />
        </td>
        <td>
          <input className={styles.num} type="text" inputMode="numeric" aria-label={`lower threshold of ${who}`} aria-invalid={bad('lowerThreshold')} value={r.lowerThreshold} disabled={readOnly} onChange={(ev) => set({ lowerThreshold: ev.target.value })} onBlur={touch('lowerThreshold')} />
        </td>
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
                    <select aria-label={`tunnel type of ${who}`} value={r.tunnelType || 'ipip'} disabled={readOnly} onChange={(ev) => set({ tunnelType: ev.target.value as RealServerForm['tunnelType'] })}>
                      {TUNNEL_TYPES.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                  </label>
                  {(r.tunnelType || 'ipip') === 'gue' ? (
                    <label className="small">
                      --tun-port{' '}
                      <input className={styles.port} type="text" inputMode="numeric" aria-label={`tunnel port of ${who}`} aria-invalid={bad('tunnelPort')} value={r.tunnelPort} disabled={readOnly} onChange={(ev) => set({ tunnelPort: ev.target.value })} onBlur={touch('tunnelPort')} />
                    </label>
                  ) : null}
                  {(r.tunnelType || 'ipip') !== 'ipip' ? (
                    <label className="small">
                      Checksum{' '}
                      <select aria-label={`tunnel checksum of ${who}`} value={r.tunnelChecksum || 'nocsum'} disabled={readOnly} onChange={(ev) => set({ tunnelChecksum: ev.target.value as RealServerForm['tunnelChecksum'] })}>
                        {TUNNEL_CSUM.filter((c) => r.tunnelType === 'gue' || c !== 'remcsum').map((c) => (
                          <option key={c} value={c}>
                            --tun-{c}
                          </option>
                        ))}
                      </select>
                    </label>
                  ) : null}
                </>
              ) : null}
              {r.drain ? (
                <label className="small">
                  Drain timeout (s){' '}
                  <input className={styles.num} type="text" inputMode="numeric" aria-label={`drain timeout of ${who}`} aria-invalid={bad('drain.timeout')} value={r.drainTimeout} disabled={readOnly} onChange={(ev) => set({ drainTimeout: ev.target.value })} onBlur={touch('drain.timeout')} />
                </label>
              ) : null}
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
