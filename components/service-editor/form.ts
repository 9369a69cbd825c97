// The service editor's form state. Inputs hold text (so an admin can type "1000" through "10"),
// and `formToInput` turns it into what VirtualServiceSchema parses; the schema's issues then
// come back to the field whose path they name. Pure, so it is tested without a browser.
import { z } from 'zod';
import {
  DEFAULT_PERSISTENCE,
  DEFAULT_SCHEDULER,
  VirtualServiceSchema,
  schedFlagBit,
  schedFlagName,
  type Forwarding,
  type HealthCheck,
  type Scheduler,
  type VirtualService,
  type VirtualServiceInput,
} from '@/lib/ipvs/model';
import { pathText, type Issue } from '../ui/errors';
import {
  checkMoreFrom,
  checkMoreToInput,
  emptyCheckMore,
  emptyQuorum,
  emptySorry,
  quorumFrom,
  quorumToInput,
  sorryFrom,
  sorryToInput,
  type CheckMoreForm,
  type QuorumForm,
  type SorryForm,
} from './health-form';

export type RealServerForm = {
  /** stable React key; not part of the model */
  uid: string;
  address: string;
  port: string;
  forwarding: Forwarding;
  weight: string;
  upperThreshold: string;
  lowerThreshold: string;
  tunnelType: '' | 'ipip' | 'gue' | 'gre';
  tunnelPort: string;
  tunnelChecksum: '' | 'nocsum' | 'csum' | 'remcsum';
  drain: boolean;
  drainTimeout: string;
  /** the last weight above 0, so "un-quiesce" restores it */
  restoreWeight: string;
  /** this server's own check (keepalived's checkers live in each real_server); disabled = the service's */
  healthCheck: HealthCheckForm;
};

export type HealthCheckForm = {
  enabled: boolean;
  type: HealthCheck['type'];
  port: string;
  path: string;
  expectStatus: string;
  bodyMatch: string;
  interval: string;
  timeout: string;
  rise: string;
  fall: string;
  onFailure: 'quiesce' | 'remove';
  /** keepalived's fields beyond the basic ones (see health-draft.ts) */
  more: CheckMoreForm;
};

export type ServiceForm = {
  protocol: 'tcp' | 'udp' | 'sctp' | 'fwmark';
  address: string;
  port: string;
  fwmark: string;
  family: 'inet' | 'inet6';
  scheduler: Scheduler;
  schedFlags: string[];
  persistent: boolean;
  persistenceTimeout: string;
  netmask: string;
  sipPe: boolean;
  onePacket: boolean;
  healthCheck: HealthCheckForm;
  realServers: RealServerForm[];
  /** keepalived's virtual_server_group this service came from (blank: none) */
  group: string;
  sorry: SorryForm;
  quorum: QuorumForm;
};

/** The issue paths of one real-server row, relative to `realServers.<i>` (what its fields show). */
export const REAL_SERVER_FORM_FIELDS = ['address', 'port', 'forwarding', 'weight', 'upperThreshold', 'lowerThreshold', 'tunnelType', 'tunnelPort', 'tunnelChecksum', 'drain.timeout'] as const;

let uidSeq = 0;
const newUid = () => `rs${++uidSeq}`;

const str = (n: number | undefined) => (n === undefined ? '' : String(n));

export function emptyRealServer(defaults?: Partial<RealServerForm>): RealServerForm {
  return {
    uid: newUid(),
    address: '',
    port: '',
    forwarding: 'route',
    weight: '1',
    upperThreshold: '0',
    lowerThreshold: '0',
    tunnelType: '',
    tunnelPort: '',
    tunnelChecksum: '',
    drain: false,
    drainTimeout: '300',
    restoreWeight: '1',
    healthCheck: emptyHealthCheck(),
    ...defaults,
  };
}

export function emptyHealthCheck(): HealthCheckForm {
  return { enabled: false, type: 'tcp', port: '', path: '/', expectStatus: '200', bodyMatch: '', interval: '5', timeout: '2', rise: '2', fall: '3', onFailure: 'quiesce', more: emptyCheckMore() };
}

export function emptyServiceForm(): ServiceForm {
  return {
    protocol: 'tcp',
    address: '',
    port: '80',
    fwmark: '',
    family: 'inet',
    scheduler: DEFAULT_SCHEDULER,
    schedFlags: [],
    persistent: false,
    persistenceTimeout: String(DEFAULT_PERSISTENCE),
    netmask: '',
    sipPe: false,
    onePacket: false,
    healthCheck: emptyHealthCheck(),
    realServers: [],
    group: '',
    sorry: emptySorry(),
    quorum: emptyQuorum(),
  };
}

/** A check back into form state. */
export function checkFormFrom(hc: HealthCheck | undefined): HealthCheckForm {
  if (!hc) return emptyHealthCheck();
  return {
    enabled: true,
    type: hc.type,
    port: str(hc.port),
    path: hc.path,
    expectStatus: String(hc.expectStatus),
    bodyMatch: hc.bodyMatch ?? '',
    interval: String(hc.interval),
    timeout: String(hc.timeout),
    rise: String(hc.rise),
    fall: String(hc.fall),
    onFailure: hc.onFailure,
    more: checkMoreFrom(hc),
  };
}

/** A parsed service back into form state (editing an existing service). */
export function formFromService(s: VirtualService): ServiceForm {
  const hc = s.healthCheck;
  return {
    protocol: s.protocol,
    address: s.protocol === 'fwmark' ? '' : s.address,
    port: s.protocol === 'fwmark' ? '' : String(s.port),
    fwmark: s.protocol === 'fwmark' ? String(s.fwmark) : '',
    family: s.protocol === 'fwmark' ? s.family : 'inet',
    scheduler: s.scheduler,
    schedFlags: [...s.schedFlags],
    persistent: !!s.persistence,
    persistenceTimeout: String(s.persistence?.timeout ?? DEFAULT_PERSISTENCE),
    netmask: s.persistence?.netmask ?? '',
    sipPe: s.persistence?.pe === 'sip',
    onePacket: s.onePacket,
    healthCheck: checkFormFrom(hc),
    realServers: s.realServers.map((r) =>
      emptyRealServer({
        address: r.address,
        port: String(r.port),
        forwarding: r.forwarding,
        weight: String(r.weight),
        upperThreshold: String(r.upperThreshold),
        lowerThreshold: String(r.lowerThreshold),
        tunnelType: r.tunnelType ?? '',
        tunnelPort: str(r.tunnelPort),
        tunnelChecksum: r.tunnelChecksum ?? '',
        drain: !!r.drain,
        drainTimeout: String(r.drain?.timeout ?? 300),
        restoreWeight: r.weight > 0 ? String(r.weight) : '1',
        healthCheck: checkFormFrom(r.healthCheck),
      }),
    ),
    group: s.group ?? '',
    sorry: sorryFrom(s),
    quorum: quorumFrom(s),
  };
}

/**
 * Text → number for the schema. Blank means "use the default" (undefined); anything that is not a
 * plain decimal stays a string so the schema reports "must be a whole number" at that field.
 */
function num(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** Form state → the schema's input. Keeps the row order, so issue paths index the rows. */
export function formToInput(d: ServiceForm): unknown {
  const common = {
    scheduler: d.scheduler,
    schedFlags: d.schedFlags,
    ...(d.persistent
      ? {
          persistence: {
            timeout: num(d.persistenceTimeout),
            ...(d.netmask.trim() ? { netmask: d.netmask.trim() } : {}),
            ...(d.sipPe ? { pe: 'sip' } : {}),
          },
        }
      : {}),
    onePacket: d.onePacket,
    ...(d.healthCheck.enabled ? { healthCheck: healthToInput(d.healthCheck) } : {}),
    ...(d.group.trim() ? { group: d.group.trim() } : {}),
    ...(d.sorry.enabled ? { sorryServer: sorryToInput(d.sorry, num) } : {}),
    ...(d.quorum.enabled || d.quorum.guardKind ? { quorum: quorumToInput(d.quorum, num) } : {}),
    realServers: d.realServers.map(realServerToInput),
  };
  if (d.protocol === 'fwmark') return { protocol: 'fwmark', fwmark: num(d.fwmark) ?? '', family: d.family, ...common };
  return { protocol: d.protocol, address: d.address, port: num(d.port) ?? '', ...common };
}

function healthToInput(h: HealthCheckForm) {
  const http = h.type === 'http' || h.type === 'https';
  return {
    type: h.type,
    port: num(h.port),
    ...(http ? { path: h.path || '/', expectStatus: num(h.expectStatus), ...(h.bodyMatch ? { bodyMatch: h.bodyMatch } : {}) } : {}),
    interval: num(h.interval),
    timeout: num(h.timeout),
    rise: num(h.rise),
    fall: num(h.fall),
    onFailure: h.onFailure,
    ...checkMoreToInput(h.type, h.more, num),
  };
}

function realServerToInput(r: RealServerForm) {
  const tunnel = r.forwarding === 'tunnel';
  return {
    address: r.address,
    port: num(r.port),
    forwarding: r.forwarding,
    weight: num(r.weight),
    upperThreshold: num(r.upperThreshold),
    lowerThreshold: num(r.lowerThreshold),
    ...(tunnel && r.tunnelType ? { tunnelType: r.tunnelType } : {}),
    ...(tunnel && r.tunnelPort.trim() ? { tunnelPort: num(r.tunnelPort) } : {}),
    ...(tunnel && r.tunnelChecksum ? { tunnelChecksum: r.tunnelChecksum } : {}),
    ...(r.drain ? { drain: { timeout: num(r.drainTimeout) } } : {}),
    ...(r.healthCheck?.enabled ? { healthCheck: healthToInput(r.healthCheck) } : {}),
  };
}

export type FormResult = { ok: true; service: VirtualService; input: VirtualServiceInput } | { ok: false; issues: Issue[] };

/** Validate with the same schema the API uses; issues carry dotted paths ("realServers.1.weight"). */
export function validateForm(d: ServiceForm): FormResult {
  const input = formToInput(d);
  const r = VirtualServiceSchema.safeParse(input);
  if (r.success) return { ok: true, service: r.data, input: input as VirtualServiceInput };
  return { ok: false, issues: zodIssues(r.error) };
}

export function zodIssues(err: z.ZodError): Issue[] {
  return err.issues.map((i) => ({ path: pathText(i.path as (string | number)[]), message: i.message }));
}

/** Switching scheduler keeps the flag bits and renames them (sh-port ↔ flag-2 ↔ mh-port). */
export function renameFlags(flags: string[], to: Scheduler): string[] {
  const bits = new Set<1 | 2 | 3>();
  for (const f of flags) bits.add(schedFlagBit(f as Parameters<typeof schedFlagBit>[0]));
  return [...bits].sort().map((b) => schedFlagName(to, b));
}

/** Quiesce = weight 0 (new connections stop, existing ones continue); toggling back restores. */
export function toggleQuiesce(r: RealServerForm): RealServerForm {
  if (r.weight.trim() === '0') return { ...r, weight: r.restoreWeight && r.restoreWeight !== '0' ? r.restoreWeight : '1' };
  return { ...r, restoreWeight: r.weight, weight: '0' };
}
