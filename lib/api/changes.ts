// Change sets applied to a config: the same code runs in the API (to build a revision) and in the
// browser (to show the result before asking for a plan). Pure. Each change names services and
// real servers by key; a change that cannot apply (adding what exists, editing what does not) is
// an issue at `changes.<i>`; the result is then validated as a whole by DirectorConfigSchema.
import { DirectorConfigSchema, realServerLabel, serviceLabel, type DirectorConfig, type DirectorConfigInput, type RealServerKey, type ServiceKey } from '../ipvs/model';
import { realServerKeyId, serviceKeyId } from '../ipvs/keys';
import type { Change, Issue } from './schemas';

export class ChangeSetError extends Error {
  constructor(
    message: string,
    readonly issues: Issue[],
  ) {
    super(message);
    this.name = 'ChangeSetError';
  }
}

type Svc = DirectorConfigInput extends { services?: (infer S)[] } ? S & Record<string, unknown> : never;
type Rs = Record<string, unknown> & { address: string; port?: number };

/** Apply `changes` in order to `base`; returns the canonical result or throws ChangeSetError. */
export function applyChanges(base: DirectorConfig, changes: Change[]): DirectorConfig {
  const cfg = structuredClone(base) as { globals: unknown; services: (Record<string, unknown> & { realServers: Rs[] })[] };
  const issues: Issue[] = [];
  const findService = (key: ServiceKey) => cfg.services.findIndex((s) => serviceKeyId(s as unknown as ServiceKey) === serviceKeyId(key));
  const serverPort = (svcKey: ServiceKey, r: { port?: number }) => r.port ?? (svcKey.protocol === 'fwmark' ? 0 : svcKey.port);
  const findServer = (svc: { realServers: Rs[] }, svcKey: ServiceKey, key: RealServerKey) =>
    svc.realServers.findIndex((r) => realServerKeyId({ address: r.address, port: serverPort(svcKey, r) }) === realServerKeyId(key));

  changes.forEach((c, i) => {
    const at = (...p: (string | number)[]) => ['changes', i, ...p].join('.');
    switch (c.op) {
      case 'add-service': {
        if (findService(c.service) >= 0) issues.push({ path: at('service'), message: `${serviceLabel(c.service)} already exists` });
        else cfg.services.push(structuredClone(c.service) as unknown as (typeof cfg.services)[number]);
        return;
      }
      case 'edit-service': {
        const idx = findService(c.service);
        if (idx < 0) return void issues.push({ path: at('service'), message: `no service ${serviceLabel(c.service)} to edit` });
        const s = cfg.services[idx]!;
        for (const [k, v] of Object.entries(c.set)) {
          if (v === undefined) continue;
          if (v === null) delete s[k];
          else s[k] = structuredClone(v);
        }
        return;
      }
      case 'remove-service': {
        const idx = findService(c.service);
        if (idx < 0) return void issues.push({ path: at('service'), message: `no service ${serviceLabel(c.service)} to remove` });
        cfg.services.splice(idx, 1);
        return;
      }
      case 'add-server': {
        const idx = findService(c.service);
        if (idx < 0) return void issues.push({ path: at('service'), message: `no service ${serviceLabel(c.service)} to add ${realServerLabel(c.server)} to` });
        const s = cfg.services[idx]!;
        const key = { address: c.server.address, port: serverPort(c.service, c.server) };
        if (findServer(s, c.service, key) >= 0) return void issues.push({ path: at('server'), message: `${realServerLabel(key)} is already a real server of ${serviceLabel(c.service)}` });
        s.realServers.push(structuredClone(c.server) as Rs);
        return;
      }
      case 'edit-server':
      case 'remove-server': {
        const idx = findService(c.service);
        if (idx < 0) return void issues.push({ path: at('service'), message: `no service ${serviceLabel(c.service)}` });
        const s = cfg.services[idx]!;
        const ri = findServer(s, c.service, c.server);
        if (ri < 0) return void issues.push({ path: at('server'), message: `${realServerLabel(c.server)} is not a real server of ${serviceLabel(c.service)}` });
        const r = s.realServers[ri]!;
        if (c.op === 'remove-server') {
          if (c.drain === undefined || c.drain === false) s.realServers.splice(ri, 1);
          else r.drain = c.drain === true ? { timeout: (r.drain as { timeout?: number } | undefined)?.timeout ?? 300 } : { ...c.drain };
          return;
        }
        for (const [k, v] of Object.entries(c.set)) {
          if (v === undefined) continue;
          if (v === null) delete r[k];
          else r[k] = structuredClone(v);
        }
        // forwarding away from tunnel drops the tunnel options that would now be refused
        if (c.set.forwarding && c.set.forwarding !== 'tunnel') for (const k of ['tunnelType', 'tunnelPort', 'tunnelChecksum']) if (!(k in c.set)) delete r[k];
        return;
      }
      case 'set-globals': {
        cfg.globals = structuredClone(c.globals);
        return;
      }
    }
  });
  if (issues.length) throw new ChangeSetError(issues.length === 1 ? issues[0]!.message : `${issues.length} changes cannot be applied`, issues);

  const r = DirectorConfigSchema.safeParse(cfg as unknown as Svc);
  if (!r.success) {
    const out = r.error.issues.map((iss) => {
      const p = iss.path;
      const svc = p[0] === 'services' && typeof p[1] === 'number' ? cfg.services[p[1]] : undefined;
      const label = svc ? `${serviceLabel(svc as unknown as ServiceKey)}: ` : '';
      return { path: ['result', ...p.map(String)].join('.'), message: `${label}${iss.message}` };
    });
    throw new ChangeSetError('the result of these changes is not a valid config', out);
  }
  return r.data;
}
