'use client';
// keepalived's side of a service in the editor: the check fields beyond the basic ones (status
// lists, digest, virtualhost, connect_ip, bindto, retry delay, warmup, alpha, DNS / UDP / SMTP /
// script settings), each real server's own check, the sorry server, the quorum and the group
// label. Every field shows the issues VirtualServiceSchema reports at its path.
import { FORWARDING, DNS_TYPES, HEALTH_CHECK_TYPES, type HealthCheck } from '@/lib/ipvs/model';
import { Field, Options } from '../ui/field';
import { emptyHealthCheck, type HealthCheckForm, type RealServerForm, type ServiceForm } from './form';
import type { CheckMoreForm } from './health-form';
import type { FieldErrors, SectionProps } from './section';
import styles from './editor.module.css';

const TYPE_LABEL: Record<HealthCheck['type'], string> = {
  tcp: 'TCP connect (TCP_CHECK)',
  http: 'HTTP GET (HTTP_GET)',
  https: 'HTTPS GET (SSL_GET)',
  dns: 'DNS query (DNS_CHECK)',
  udp: 'UDP datagram (UDP_CHECK)',
  ping: 'ICMP echo (PING_CHECK)',
  smtp: 'SMTP banner + HELO (SMTP_CHECK)',
  misc: 'Script on the director (MISC_CHECK)',
};

/** The <option>s of a check type select. */
export function CheckTypeOptions() {
  return (
    <>
      <Options values={HEALTH_CHECK_TYPES} label={(t) => TYPE_LABEL[t]} />
    </>
  );
}

type Errs = FieldErrors;

function Text({ label, path, value, onChange, e, readOnly, help }: { label: string; path: string; value: string; onChange: (v: string) => void; e: Errs; readOnly: boolean; help?: string }) {
  return (
    <Field label={label} errors={e(path)} help={help}>
      <input type="text" value={value} disabled={readOnly} onChange={(ev) => onChange(ev.target.value)} spellCheck={false} />
    </Field>
  );
}

/** The issues of the "more urls" lines, each named by its line ("line 2: digest must be ..."). */
function moreUrlErrors(e: Errs, at: string): string[] | undefined {
  const out = e.under(at).flatMap(([path, msgs]) => {
    const line = /^\.(\d+)/.exec(path.slice(at.length));
    return msgs.map((m) => (line ? `line ${Number(line[1]) + 1}: ${m}` : m));
  });
  return out.length ? out : undefined;
}

/** The fields of a check that depend on its type and keepalived's extras; `at` is the check's path ("healthCheck"). */
function MoreFields({ hc, set, at, e, readOnly }: { hc: HealthCheckForm; set: (patch: Partial<CheckMoreForm>) => void; at: string; e: Errs; readOnly: boolean }) {
  const m = hc.more;
  const p = (f: string) => `${at}.${f}`;
  const t = hc.type;
  const http = t === 'http' || t === 'https';
  return (
    <>
      {http ? (
        <>
          <Text
            label="Accepted statuses"
            path={p('statusCodes')}
            value={m.statusCodes}
            onChange={(v) => set({ statusCodes: v })}
            e={e}
            readOnly={readOnly}
            help="e.g. 200-299,302 (replaces the expected status)"
          />
          <Field label="More urls (each must pass)" errors={moreUrlErrors(e, p('moreUrls'))} help="one a line: path, then statuses such as 200-299 and an MD5 digest if any">
            <textarea rows={2} value={m.moreUrls} disabled={readOnly} onChange={(ev) => set({ moreUrls: ev.target.value })} spellCheck={false} />
          </Field>
          <Text label="Body MD5 (digest)" path={p('digest')} value={m.digest} onChange={(v) => set({ digest: v })} e={e} readOnly={readOnly} help="optional, 32 hex digits" />
          <Text
            label="Host header (virtualhost)"
            path={p('virtualhost')}
            value={m.virtualhost}
            onChange={(v) => set({ virtualhost: v })}
            e={e}
            readOnly={readOnly}
            help="blank = the server's address"
          />
        </>
      ) : null}
      {t === 'dns' ? (
        <>
          <Field label="Query type" errors={e(p('dnsType'))}>
            <select value={m.dnsType} disabled={readOnly} onChange={(ev) => set({ dnsType: ev.target.value })}>
              <option value="">SOA (keepalived's default)</option>
              <Options values={DNS_TYPES} />
            </select>
          </Field>
          <Text label="Query name" path={p('dnsName')} value={m.dnsName} onChange={(v) => set({ dnsName: v })} e={e} readOnly={readOnly} help='blank = "."' />
        </>
      ) : null}
      {t === 'udp' ? (
        <>
          <Text label="Payload (hex)" path={p('udpPayload')} value={m.udpPayload} onChange={(v) => set({ udpPayload: v })} e={e} readOnly={readOnly} />
          <Text
            label="Required reply (hex)"
            path={p('udpReply')}
            value={m.udpReply}
            onChange={(v) => set({ udpReply: v })}
            e={e}
            readOnly={readOnly}
            help="blank = good unless an ICMP error comes back"
          />
        </>
      ) : null}
      {t === 'smtp' ? <Text label="HELO name" path={p('heloName')} value={m.heloName} onChange={(v) => set({ heloName: v })} e={e} readOnly={readOnly} help="blank = localhost" /> : null}
      {t === 'misc' ? (
        <>
          <Text
            label="Script"
            path={p('script')}
            value={m.script}
            onChange={(v) => set({ script: v })}
            e={e}
            readOnly={readOnly}
            help="a file in the director's checks directory (/etc/lvs-agent/checks)"
          />
          <Text label="Arguments" path={p('scriptArgs')} value={m.scriptArgs} onChange={(v) => set({ scriptArgs: v })} e={e} readOnly={readOnly} help="separated by blanks; no shell" />
          <label className="check">
            <input type="checkbox" checked={m.dynamicWeight} disabled={readOnly} onChange={(ev) => set({ dynamicWeight: ev.target.checked })} />
            Exit status 2–255 sets the weight (misc_dynamic)
          </label>
        </>
      ) : (
        <>
          <Text label="Probe address (connect_ip)" path={p('connectIp')} value={m.connectIp} onChange={(v) => set({ connectIp: v })} e={e} readOnly={readOnly} help="blank = the server's" />
          <Text label="Source address (bindto)" path={p('bindTo')} value={m.bindTo} onChange={(v) => set({ bindTo: v })} e={e} readOnly={readOnly} help="optional" />
        </>
      )}
      <Text label="Retry delay (s)" path={p('retryDelay')} value={m.retryDelay} onChange={(v) => set({ retryDelay: v })} e={e} readOnly={readOnly} help="delay_before_retry; blank = the interval" />
      <Text label="Warmup (s)" path={p('warmup')} value={m.warmup} onChange={(v) => set({ warmup: v })} e={e} readOnly={readOnly} help="random delay before the first check" />
      <label className="check">
        <input type="checkbox" checked={m.alpha} disabled={readOnly} onChange={(ev) => set({ alpha: ev.target.checked })} />
        Start failed until the first good check (alpha)
      </label>
    </>
  );
}

/** A whole check (a real server's own): type, basic fields and the extras. */
function CheckFields({ hc, set, at, e, readOnly }: { hc: HealthCheckForm; set: (patch: Partial<HealthCheckForm>) => void; at: string; e: Errs; readOnly: boolean }) {
  const p = (f: string) => `${at}.${f}`;
  const num = (label: string, f: 'port' | 'interval' | 'timeout' | 'rise' | 'fall', help?: string) => (
    <Field label={label} errors={e(p(f))} help={help}>
      <input type="text" inputMode="numeric" value={hc[f]} disabled={readOnly} onChange={(ev) => set({ [f]: ev.target.value })} />
    </Field>
  );
  const http = hc.type === 'http' || hc.type === 'https';
  return (
    <div className={styles.grid} style={{ marginTop: 8 }}>
      <Field label="Type" errors={e(p('type'))}>
        <select value={hc.type} disabled={readOnly} onChange={(ev) => set({ type: ev.target.value as HealthCheck['type'] })}>
          <CheckTypeOptions />
        </select>
      </Field>
      {hc.type !== 'misc' ? num('Port', 'port', "blank = the server's port") : null}
      {http ? (
        <>
          <Text label="Path" path={p('path')} value={hc.path} onChange={(v) => set({ path: v })} e={e} readOnly={readOnly} />
          <Text label="Expected status" path={p('expectStatus')} value={hc.expectStatus} onChange={(v) => set({ expectStatus: v })} e={e} readOnly={readOnly} />
        </>
      ) : null}
      {num('Interval (s)', 'interval')}
      {num('Timeout (s)', 'timeout')}
      {num('Rise', 'rise', 'successes to mark up')}
      {num('Fall', 'fall', 'failures to mark down')}
      <Field label="On failure" errors={e(p('onFailure'))}>
        <select value={hc.onFailure} disabled={readOnly} onChange={(ev) => set({ onFailure: ev.target.value as 'quiesce' | 'remove' })}>
          <option value="quiesce">Quiesce (weight 0)</option>
          <option value="remove">Remove the server</option>
        </select>
      </Field>
      <MoreFields hc={hc} set={(more) => set({ more: { ...hc.more, ...more } })} at={at} e={e} readOnly={readOnly} />
    </div>
  );
}

export function KeepalivedSection({ form: d, update: setD, errs: e, readOnly }: SectionProps) {
  const setHcMore = (more: Partial<CheckMoreForm>) => setD((x) => ({ ...x, healthCheck: { ...x.healthCheck, more: { ...x.healthCheck.more, ...more } } }));
  const setRsCheck = (i: number, patch: Partial<HealthCheckForm>) =>
    setD((x) => ({ ...x, realServers: x.realServers.map((r: RealServerForm, j) => (j === i ? { ...r, healthCheck: { ...(r.healthCheck ?? emptyHealthCheck()), ...patch } } : r)) }));
  const setSorry = (patch: Partial<ServiceForm['sorry']>) => setD((x) => ({ ...x, sorry: { ...x.sorry, ...patch } }));
  const setQuorum = (patch: Partial<ServiceForm['quorum']>) => setD((x) => ({ ...x, quorum: { ...x.quorum, ...patch } }));
  return (
    <section className={styles.section} aria-labelledby="ka-h">
      <h3 id="ka-h">Checks as keepalived runs them</h3>
      {d.healthCheck.enabled ? (
        <div className={styles.grid}>
          <MoreFields hc={d.healthCheck} set={setHcMore} at="healthCheck" e={e} readOnly={readOnly} />
        </div>
      ) : null}

      <h4 style={{ marginTop: 14 }}>Each real server&apos;s own check</h4>
      {d.realServers.length === 0 ? <p className="help">No real servers yet.</p> : null}
      {d.realServers.map((r, i) => (
        <div key={r.uid} style={{ marginTop: 8 }}>
          <label className="check">
            <input type="checkbox" checked={!!r.healthCheck?.enabled} disabled={readOnly} onChange={(ev) => setRsCheck(i, { enabled: ev.target.checked })} />
            {r.address || `server ${i + 1}`} has its own check {d.healthCheck.enabled ? "(instead of the service's)" : ''}
          </label>
          {r.healthCheck?.enabled ? <CheckFields hc={r.healthCheck} set={(patch) => setRsCheck(i, patch)} at={`realServers.${i}.healthCheck`} e={e} readOnly={readOnly} /> : null}
        </div>
      ))}

      <h4 style={{ marginTop: 14 }}>Sorry server and quorum</h4>
      <label className="check">
        <input type="checkbox" checked={d.sorry.enabled} disabled={readOnly} onChange={(ev) => setSorry({ enabled: ev.target.checked })} />A sorry server takes the traffic while the quorum is lost (by
        default: no healthy real server)
      </label>
      {d.sorry.enabled ? (
        <div className={styles.grid} style={{ marginTop: 8 }}>
          <Text label="Address" path="sorryServer.address" value={d.sorry.address} onChange={(v) => setSorry({ address: v })} e={e} readOnly={readOnly} />
          <Text label="Port" path="sorryServer.port" value={d.sorry.port} onChange={(v) => setSorry({ port: v })} e={e} readOnly={readOnly} help="blank = the service's" />
          <Field label="Forwarding" errors={e('sorryServer.forwarding')}>
            <select value={d.sorry.forwarding} disabled={readOnly} onChange={(ev) => setSorry({ forwarding: ev.target.value as ServiceForm['sorry']['forwarding'] })}>
              <Options values={FORWARDING} />
            </select>
          </Field>
          <Text label="Weight" path="sorryServer.weight" value={d.sorry.weight} onChange={(v) => setSorry({ weight: v })} e={e} readOnly={readOnly} />
          <label className="check">
            <input type="checkbox" checked={d.sorry.inhibit} disabled={readOnly} onChange={(ev) => setSorry({ inhibit: ev.target.checked })} />
            Keep it at weight 0 while unused (sorry_server_inhibit)
          </label>
        </div>
      ) : null}
      <label className="check" style={{ marginTop: 8 }}>
        <input type="checkbox" checked={d.quorum.enabled} disabled={readOnly} onChange={(ev) => setQuorum({ enabled: ev.target.checked })} />
        Quorum: the minimum healthy weight of the service
      </label>
      {d.quorum.enabled ? (
        <div className={styles.grid} style={{ marginTop: 8 }}>
          <Text label="Quorum (weight)" path="quorum.minWeight" value={d.quorum.minWeight} onChange={(v) => setQuorum({ minWeight: v })} e={e} readOnly={readOnly} />
          <Text
            label="Hysteresis"
            path="quorum.hysteresis"
            value={d.quorum.hysteresis}
            onChange={(v) => setQuorum({ hysteresis: v })}
            e={e}
            readOnly={readOnly}
            help="lost below quorum − h, back at quorum + h"
          />
        </div>
      ) : null}
      <div className={styles.grid} style={{ marginTop: 8 }}>
        <Field label="Depool guard" errors={e('quorum.guard')}>
          <select value={d.quorum.guardKind} disabled={readOnly} onChange={(ev) => setQuorum({ guardKind: ev.target.value as ServiceForm['quorum']['guardKind'] })} data-testid="guard-kind">
            <option value="">none — health checks may take out every server</option>
            <option value="servers">keep at least N servers in</option>
            <option value="fraction">keep at least a fraction of the servers in</option>
            <option value="weight">keep at least a total weight in (as the quorum counts)</option>
          </select>
        </Field>
        {d.quorum.guardKind ? (
          <Text
            label={d.quorum.guardKind === 'servers' ? 'Minimum servers' : d.quorum.guardKind === 'fraction' ? 'Minimum fraction (0.5 or 50 %)' : 'Minimum weight'}
            path={`quorum.guard.${d.quorum.guardKind}`}
            value={d.quorum.guardValue}
            onChange={(v) => setQuorum({ guardValue: v })}
            e={e}
            readOnly={readOnly}
            help="failing servers beyond this stay in, shown as kept in by the guard"
          />
        ) : null}
      </div>
      <div className={styles.grid} style={{ marginTop: 8 }}>
        <Text
          label="virtual_server_group"
          path="group"
          value={d.group}
          onChange={(v) => setD((x) => ({ ...x, group: v }))}
          e={e}
          readOnly={readOnly}
          help="services sharing it and their settings export as one keepalived group"
        />
      </div>
    </section>
  );
}
