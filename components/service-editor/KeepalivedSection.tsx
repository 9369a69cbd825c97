'use client';
// keepalived's side of a service in the editor: the check fields beyond the basic ones (status
// lists, digest, virtualhost, connect_ip, bindto, retry delay, warmup, alpha, DNS / UDP / SMTP /
// script settings), each real server's own check, the sorry server, the quorum and the group
// label. Every field shows the issues VirtualServiceSchema reports at its path.
import { FORWARDING, DNS_TYPES, HEALTH_CHECK_TYPES, type HealthCheck } from '@/lib/ipvs/model';
import { Check, Field, Options, TextField } from '../ui/field';
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
/** the check settings typed as text */
type MoreText = { [K in keyof CheckMoreForm]: CheckMoreForm[K] extends string ? K : never }[keyof CheckMoreForm];

/** A text field of a check setting at `path`, with the issues shown there; read-only for viewers. */
function textFields(e: Errs, readOnly: boolean) {
  return function text(label: string, path: string, value: string, onChange: (v: string) => void, help?: string) {
    return <TextField key={path} label={label} errors={e(path)} help={help} value={value} disabled={readOnly} onChange={onChange} spellCheck={false} />;
  };
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
  const t = hc.type;
  const http = t === 'http' || t === 'https';
  const field = textFields(e, readOnly);
  /** one of the check's text settings, by its form field */
  const text = (label: string, f: MoreText, help?: string) => field(label, `${at}.${f}`, m[f], (v) => set({ [f]: v }), help);
  return (
    <>
      {http ? (
        <>
          {text('Accepted statuses', 'statusCodes', 'e.g. 200-299,302 (replaces the expected status)')}
          <Field label="More urls (each must pass)" errors={moreUrlErrors(e, `${at}.moreUrls`)} help="one a line: path, then statuses such as 200-299 and an MD5 digest if any">
            <textarea rows={2} value={m.moreUrls} disabled={readOnly} onChange={(ev) => set({ moreUrls: ev.target.value })} spellCheck={false} />
          </Field>
          {text('Body MD5 (digest)', 'digest', 'optional, 32 hex digits')}
          {text('Host header (virtualhost)', 'virtualhost', "blank = the server's address")}
        </>
      ) : null}
      {t === 'dns' ? (
        <>
          <Field label="Query type" errors={e(`${at}.dnsType`)}>
            <select value={m.dnsType} disabled={readOnly} onChange={(ev) => set({ dnsType: ev.target.value })}>
              <option value="">SOA (keepalived's default)</option>
              <Options values={DNS_TYPES} />
            </select>
          </Field>
          {text('Query name', 'dnsName', 'blank = "."')}
        </>
      ) : null}
      {t === 'udp' ? (
        <>
          {text('Payload (hex)', 'udpPayload')}
          {text('Required reply (hex)', 'udpReply', 'blank = good unless an ICMP error comes back')}
        </>
      ) : null}
      {t === 'smtp' ? text('HELO name', 'heloName', 'blank = localhost') : null}
      {t === 'misc' ? (
        <>
          {text('Script', 'script', "a file in the director's checks directory (/etc/lvs-agent/checks)")}
          {text('Arguments', 'scriptArgs', 'separated by blanks; no shell')}
          <Check checked={m.dynamicWeight} readOnly={readOnly} onChange={(on) => set({ dynamicWeight: on })}>
            Exit status 2–255 sets the weight (misc_dynamic)
          </Check>
        </>
      ) : (
        <>
          {text('Probe address (connect_ip)', 'connectIp', "blank = the server's")}
          {text('Source address (bindto)', 'bindTo', 'optional')}
        </>
      )}
      {text('Retry delay (s)', 'retryDelay', 'delay_before_retry; blank = the interval')}
      {text('Warmup (s)', 'warmup', 'random delay before the first check')}
      <Check checked={m.alpha} readOnly={readOnly} onChange={(on) => set({ alpha: on })}>
        Start failed until the first good check (alpha)
      </Check>
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
  const text = textFields(e, readOnly);
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
          {text('Path', p('path'), hc.path, (v) => set({ path: v }))}
          {text('Expected status', p('expectStatus'), hc.expectStatus, (v) => set({ expectStatus: v }))}
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
  const text = textFields(e, readOnly);
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
          <Check checked={!!r.healthCheck?.enabled} readOnly={readOnly} onChange={(on) => setRsCheck(i, { enabled: on })}>
            {r.address || `server ${i + 1}`} has its own check {d.healthCheck.enabled ? "(instead of the service's)" : ''}
          </Check>
          {r.healthCheck?.enabled ? <CheckFields hc={r.healthCheck} set={(patch) => setRsCheck(i, patch)} at={`realServers.${i}.healthCheck`} e={e} readOnly={readOnly} /> : null}
        </div>
      ))}

      <h4 style={{ marginTop: 14 }}>Sorry server and quorum</h4>
      <Check checked={d.sorry.enabled} readOnly={readOnly} onChange={(on) => setSorry({ enabled: on })}>
        A sorry server takes the traffic while the quorum is lost (by default: no healthy real server)
      </Check>
      {d.sorry.enabled ? (
        <div className={styles.grid} style={{ marginTop: 8 }}>
          {text('Address', 'sorryServer.address', d.sorry.address, (v) => setSorry({ address: v }))}
          {text('Port', 'sorryServer.port', d.sorry.port, (v) => setSorry({ port: v }), "blank = the service's")}
          <Field label="Forwarding" errors={e('sorryServer.forwarding')}>
            <select value={d.sorry.forwarding} disabled={readOnly} onChange={(ev) => setSorry({ forwarding: ev.target.value as ServiceForm['sorry']['forwarding'] })}>
              <Options values={FORWARDING} />
            </select>
          </Field>
          {text('Weight', 'sorryServer.weight', d.sorry.weight, (v) => setSorry({ weight: v }))}
          <Check checked={d.sorry.inhibit} readOnly={readOnly} onChange={(on) => setSorry({ inhibit: on })}>
            Keep it at weight 0 while unused (sorry_server_inhibit)
          </Check>
        </div>
      ) : null}
      <Check checked={d.quorum.enabled} readOnly={readOnly} onChange={(on) => setQuorum({ enabled: on })} style={{ marginTop: 8 }}>
        Quorum: the minimum healthy weight of the service
      </Check>
      {d.quorum.enabled ? (
        <div className={styles.grid} style={{ marginTop: 8 }}>
          {text('Quorum (weight)', 'quorum.minWeight', d.quorum.minWeight, (v) => setQuorum({ minWeight: v }))}
          {text('Hysteresis', 'quorum.hysteresis', d.quorum.hysteresis, (v) => setQuorum({ hysteresis: v }), 'lost below quorum − h, back at quorum + h')}
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
        {d.quorum.guardKind
          ? text(
              d.quorum.guardKind === 'servers' ? 'Minimum servers' : d.quorum.guardKind === 'fraction' ? 'Minimum fraction (0.5 or 50 %)' : 'Minimum weight',
              `quorum.guard.${d.quorum.guardKind}`,
              d.quorum.guardValue,
              (v) => setQuorum({ guardValue: v }),
              'failing servers beyond this stay in, shown as kept in by the guard',
            )
          : null}
      </div>
      <div className={styles.grid} style={{ marginTop: 8 }}>
        {text('virtual_server_group', 'group', d.group, (v) => setD((x) => ({ ...x, group: v })), 'services sharing it and their settings export as one keepalived group')}
      </div>
    </section>
  );
}
