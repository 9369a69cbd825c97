// Which kernel object an op changes, and that object's value in a config. Lets the agent tell
// which ops of an `ipvsadm -R` batch took effect (by looking at the state read back) and which
// live objects drifted, without comparing whole configs.
import type { DirectorConfig } from '../lib/ipvs/model';
import { realServerKeyId, serverKeyId, serviceKeyId, splitServerKeyId } from '../lib/ipvs/keys';
import type { Op } from '../lib/ipvs/op';
import { canonicalJson } from '../lib/ipvs/hash';
import type { SysctlName } from '../lib/ipvs/sysctls';

/** "svc:tcp|10.0.0.1|80", "rs:tcp|10.0.0.1|80#10.0.1.2|80", "timeouts", "daemon:master", "sysctl:expire_nodest_conn". */
export function opObjectKey(op: Op): string {
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
    case 'delete-service':
      return `svc:${serviceKeyId(op.service)}`;
    case 'add-server':
    case 'edit-server':
    case 'delete-server':
      return `rs:${serverKeyId(op.service, op.server)}`;
    case 'set-timeouts':
      return 'timeouts';
    case 'start-daemon':
      return `daemon:${op.daemon.state}`;
    case 'stop-daemon':
      return `daemon:${op.state}`;
    case 'set-sysctl':
      return `sysctl:${op.name}`;
  }
}

/** The service an op belongs to ("tcp|10.0.0.1|80"), or null for director-wide ops. */
export function opServiceId(op: Op): string | null {
  return 'service' in op ? serviceKeyId(op.service) : null;
}

/**
 * The canonical JSON of the object named by an opObjectKey in a config, or null when it is absent.
 * A service is compared without its real servers (those are objects of their own).
 */
export function objectValue(config: DirectorConfig, key: string): string | null {
  if (key === 'timeouts') {
    // The kernel always has timeouts; a config that leaves them alone (null) matches any value.
    return config.globals.timeouts ? canonicalJson(config.globals.timeouts) : null;
  }
  if (key.startsWith('sysctl:')) {
    // a setting the config leaves out matches any live value
    const v = config.globals.sysctls?.[key.slice('sysctl:'.length) as SysctlName];
    return v === undefined ? null : canonicalJson(v);
  }
  if (key.startsWith('daemon:')) {
    const state = key.slice('daemon:'.length);
    const d = config.globals.syncDaemons.find((x) => x.state === state);
    return d ? canonicalJson(d) : null;
  }
  if (key.startsWith('svc:')) {
    const id = key.slice(4);
    const svc = config.services.find((s) => serviceKeyId(s) === id);
    if (!svc) return null;
    const { realServers: _rs, healthCheck: _hc, ...fields } = svc;
    return canonicalJson(fields);
  }
  if (key.startsWith('rs:')) {
    const ids = splitServerKeyId(key.slice(3));
    const svc = ids && config.services.find((s) => serviceKeyId(s) === ids.service);
    const rs = ids && svc?.realServers.find((r) => realServerKeyId(r) === ids.server);
    if (!rs) return null;
    const { drain: _d, ...fields } = rs as typeof rs & { drain?: unknown };
    return canonicalJson(fields);
  }
  throw new Error(`unknown object key ${key}`);
}
