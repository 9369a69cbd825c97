'use client';
// The real servers of the service: one editable row each, with live state, quiesce, drain and remove.
import { FORWARDING } from '@/lib/ipvs/model';
import { FORWARDING_HELP } from '../ipvs-help';
import { emptyRealServer, type RealServerForm } from './form';
import { RealServerRow } from './RealServerRow';
import type { RealServerLiveInfo } from './RealServerLive';
import type { SectionProps } from './section';
import styles from './editor.module.css';

export function RealServersSection({ form: d, update, errs: e, touch, readOnly, live }: SectionProps & { live?: Map<string, RealServerLiveInfo> }) {
  const fwm = d.protocol === 'fwmark';
  const setRs = (i: number, patch: Partial<RealServerForm>) => update((x) => ({ ...x, realServers: x.realServers.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));
  return (
    <section className={styles.section} aria-labelledby="rs-h">
      <div className="row">
        <h3 id="rs-h" className="grow">
          Real servers <span className="faint">({d.realServers.length})</span>
        </h3>
        {!readOnly ? (
          <button
            type="button"
            className="btn small"
            onClick={() => update((x) => ({ ...x, realServers: [...x.realServers, emptyRealServer({ forwarding: x.realServers.at(-1)?.forwarding ?? 'route' })] }))}
          >
            + Add real server
          </button>
        ) : null}
      </div>
      <p className="small faint">
        Forwarding: {FORWARDING.map((f) => `${FORWARDING_HELP[f].flag} ${FORWARDING_HELP[f].name}`).join(' · ')}. Quiesce sets weight 0: no new connections, existing ones continue. Drain quiesces,
        waits until the connections are gone (or the timeout passes), then removes the server.
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
                  errs={(f) => e(`realServers.${i}.${f}`)}
                  touch={(f) => touch(`realServers.${i}.${f}`)}
                  set={(p) => setRs(i, p)}
                  remove={() => update((x) => ({ ...x, realServers: x.realServers.filter((_, j) => j !== i) }))}
                  live={live}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
