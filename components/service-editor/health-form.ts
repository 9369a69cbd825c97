// Form state of keepalived's side of a service: the check fields beyond the basic ones, each
// real server's own check, the sorry server, the quorum and the group label. Text in, the model's
// input out (VirtualServiceSchema validates it, and its issues come back to these fields).
import type { HealthCheck, HttpUrl, VirtualService } from '@/lib/ipvs/model';

export type CheckMoreForm = {
  statusCodes: string;
  /** keepalived's further url blocks, one a line: "PATH [STATUSES] [MD5]" */
  moreUrls: string;
  digest: string;
  virtualhost: string;
  connectIp: string;
  bindTo: string;
  retryDelay: string;
  warmup: string;
  alpha: boolean;
  dnsType: string;
  dnsName: string;
  udpPayload: string;
  udpReply: string;
  heloName: string;
  script: string;
  scriptArgs: string;
  dynamicWeight: boolean;
};

export type SorryForm = { enabled: boolean; address: string; port: string; forwarding: 'route' | 'masq' | 'tunnel'; weight: string; inhibit: boolean };
export type QuorumForm = { enabled: boolean; minWeight: string; hysteresis: string; guardKind: '' | 'servers' | 'fraction' | 'weight'; guardValue: string };

export const emptyCheckMore = (): CheckMoreForm => ({
  statusCodes: '',
  moreUrls: '',
  digest: '',
  virtualhost: '',
  connectIp: '',
  bindTo: '',
  retryDelay: '',
  warmup: '',
  alpha: false,
  dnsType: '',
  dnsName: '',
  udpPayload: '',
  udpReply: '',
  heloName: '',
  script: '',
  scriptArgs: '',
  dynamicWeight: false,
});
export const emptySorry = (): SorryForm => ({ enabled: false, address: '', port: '', forwarding: 'masq', weight: '1', inhibit: false });
export const emptyQuorum = (): QuorumForm => ({ enabled: false, minWeight: '1', hysteresis: '0', guardKind: '', guardValue: '' });

const s = (v: string | number | undefined) => (v === undefined ? '' : String(v));

/** One more url as a line of the form: "PATH STATUSES [MD5]". */
const urlLine = (u: HttpUrl) => [u.path, u.statusCodes, u.digest].filter(Boolean).join(' ');
/** A line back to a url: the path first, a 32-hex word is the digest, another word the statuses (the schema checks each). */
function urlFromLine(line: string): Record<string, string> {
  const [path = '', ...words] = line.trim().split(/\s+/);
  const out: Record<string, string> = { path };
  for (const w of words) out[/^[0-9a-fA-F]{32}$/.test(w) ? 'digest' : 'statusCodes'] = w;
  return out;
}

export function checkMoreFrom(hc: HealthCheck | undefined): CheckMoreForm {
  if (!hc) return emptyCheckMore();
  return {
    statusCodes: s(hc.statusCodes),
    moreUrls: (hc.moreUrls ?? []).map(urlLine).join('\n'),
    digest: s(hc.digest),
    virtualhost: s(hc.virtualhost),
    connectIp: s(hc.connectIp),
    bindTo: s(hc.bindTo),
    retryDelay: s(hc.retryDelay),
    warmup: s(hc.warmup),
    alpha: !!hc.alpha,
    dnsType: s(hc.dnsType),
    dnsName: s(hc.dnsName),
    udpPayload: s(hc.udpPayload),
    udpReply: s(hc.udpReply),
    heloName: s(hc.heloName),
    script: s(hc.script),
    scriptArgs: (hc.scriptArgs ?? []).join(' '),
    dynamicWeight: !!hc.dynamicWeight,
  };
}

export const sorryFrom = (svc: VirtualService): SorryForm =>
  svc.sorryServer
    ? { enabled: true, address: svc.sorryServer.address, port: s(svc.sorryServer.port), forwarding: svc.sorryServer.forwarding, weight: s(svc.sorryServer.weight), inhibit: svc.sorryServer.inhibit }
    : emptySorry();
export const quorumFrom = (svc: VirtualService): QuorumForm => {
  const g = svc.quorum?.guard;
  const guardKind = g?.servers !== undefined ? 'servers' : g?.fraction !== undefined ? 'fraction' : g?.weight !== undefined ? 'weight' : '';
  const guard = { guardKind, guardValue: guardKind ? s(g![guardKind]) : '' } as const;
  // a guard alone is a quorum at its defaults (only the sorry server reads minWeight)
  const atDefaults = svc.quorum !== undefined && svc.quorum.minWeight === 1 && svc.quorum.hysteresis === 0;
  return svc.quorum ? { enabled: !(g && atDefaults), minWeight: s(svc.quorum.minWeight), hysteresis: s(svc.quorum.hysteresis), ...guard } : emptyQuorum();
};

type Num = (text: string) => number | string | undefined;
const text = (v: string) => (v.trim() ? v.trim() : undefined);

/** The extra fields of a check for the schema; only those that mean something for its type. */
export function checkMoreToInput(type: HealthCheck['type'], m: CheckMoreForm, num: Num): Record<string, unknown> {
  const http = type === 'http' || type === 'https';
  const out: Record<string, unknown> = {
    retryDelay: num(m.retryDelay),
    warmup: num(m.warmup),
    ...(m.alpha ? { alpha: true } : {}),
    ...(type !== 'misc' ? { connectIp: text(m.connectIp), bindTo: text(m.bindTo) } : {}),
    ...(http ? { statusCodes: text(m.statusCodes), digest: text(m.digest), virtualhost: text(m.virtualhost), moreUrls: moreUrlsToInput(m.moreUrls) } : {}),
    ...(type === 'dns' ? { dnsType: text(m.dnsType), dnsName: text(m.dnsName) } : {}),
    ...(type === 'udp' ? { udpPayload: text(m.udpPayload), udpReply: text(m.udpReply) } : {}),
    ...(type === 'smtp' ? { heloName: text(m.heloName) } : {}),
    ...(type === 'misc' ? { script: m.script.trim(), ...(m.scriptArgs.trim() ? { scriptArgs: m.scriptArgs.trim().split(/\s+/) } : {}), ...(m.dynamicWeight ? { dynamicWeight: true } : {}) } : {}),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

function moreUrlsToInput(t: string): Record<string, string>[] | undefined {
  const lines = t.split('\n').filter((l) => l.trim());
  return lines.length ? lines.map(urlFromLine) : undefined;
}

export function sorryToInput(d: SorryForm, num: Num): Record<string, unknown> | undefined {
  if (!d.enabled) return undefined;
  return { address: d.address, port: num(d.port), forwarding: d.forwarding, weight: num(d.weight), inhibit: d.inhibit };
}

export function quorumToInput(d: QuorumForm, num: Num): Record<string, unknown> | undefined {
  const guard = d.guardKind ? { guard: { [d.guardKind]: d.guardKind === 'fraction' ? fraction(d.guardValue) : num(d.guardValue) } } : {};
  if (!d.enabled && !d.guardKind) return undefined;
  return { ...(d.enabled ? { minWeight: num(d.minWeight), hysteresis: num(d.hysteresis) } : {}), ...guard };
}

/** "50 %", "0.5" or "50%" → 0.5; anything else goes to the schema as text (its message names the field). */
function fraction(t: string): number | string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(t);
  if (!m) return t;
  return m[2] ? Number(m[1]) / 100 : Number(m[1]);
}
