// `ipvsadm -Lnc` (and -Lnc --persistent-conn): ipvsadm's rendering of /proc/net/ip_vs_conn.
import type { ConnEntry } from '../stats';
import { hostPort } from '../inet';
import { IssueLog, listingLines, padR, parseAddrPort } from './common';

const HEAD = 'IPVS connection entries';
const TITLE = `pro expire ${padR('state', 11)} ${padR('source', 18)} ${padR('virtual', 18)} destination`;
// print_conn's header and rows disagree on the widths of the last columns; both are ipvsadm's
const TITLE_PE = `pro expire ${padR('state', 11)} ${padR('source', 18)} ${padR('virtual', 18)} ${padR('destination', 18)} ${padR('pe name', 16)} pe_data`;

/** "14:57" -> 897 s (minutes may exceed 99). */
function parseExpire(s: string): number | null {
  const m = /^(\d+):(\d{2})$/.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function formatExpire(seconds: number): string {
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Parse `ipvsadm -Lnc [--persistent-conn]`. Templates are the entries with client port 0. */
export function parseConnList(text: string): ConnEntry[] {
  const log = new IssueLog('ipvsadm -Lnc listing');
  const lines = listingLines(text);
  if (lines[0] !== HEAD) log.add(1, `expected "${HEAD}"`);
  const pe = lines[1] === TITLE_PE;
  if (lines[1] !== TITLE && !pe) log.add(2, `expected the title "${TITLE}"`);
  log.throwIfAny();
  const out: ConnEntry[] = [];
  for (let n = 2; n < lines.length; n++) {
    const f = lines[n]!.trim().split(/\s+/);
    if (f.length !== 6 && !(pe && f.length >= 7)) {
      log.add(n + 1, `expected protocol, expire, state, source, virtual, destination: "${lines[n]}"`);
      continue;
    }
    const expires = parseExpire(f[1]!);
    const c = parseAddrPort(f[3]!);
    const v = parseAddrPort(f[4]!);
    const d = parseAddrPort(f[5]!);
    if (expires === null) log.add(n + 1, `bad expire "${f[1]}" (mm:ss)`);
    else if (typeof c === 'string' || typeof v === 'string' || typeof d === 'string') log.add(n + 1, [c, v, d].find((x) => typeof x === 'string') as string);
    else
      out.push({
        protocol: f[0]!,
        clientAddress: c.address,
        clientPort: c.port,
        virtualAddress: v.address,
        virtualPort: v.port,
        destAddress: d.address,
        destPort: d.port,
        state: f[2]!,
        expires,
        template: c.port === 0,
        ...(f.length >= 7 ? { pe: f[6]!, peData: f.slice(7).join(' ') } : {}),
      });
  }
  log.throwIfAny();
  return out;
}

/** `ipvsadm -Lnc [--persistent-conn]` for connection entries (in the order given: /proc order). */
export function formatConnList(entries: Iterable<ConnEntry>, o: { persistentConn?: boolean } = {}): string {
  let out = `${HEAD}\n${o.persistentConn ? TITLE_PE : TITLE}\n`;
  for (const e of entries) {
    const head = `${padR(e.protocol, 3)} ${padR(formatExpire(e.expires), 6)} ${padR(e.state, 11)} ${padR(hostPort(e.clientAddress, e.clientPort), 18)} ${padR(hostPort(e.virtualAddress, e.virtualPort), 18)} `;
    const dest = hostPort(e.destAddress, e.destPort);
    out += o.persistentConn && e.pe !== undefined ? `${head}${padR(dest, 16)} ${padR(e.pe, 18)} ${e.peData ?? ''}\n` : `${head}${dest}\n`;
  }
  return out;
}
