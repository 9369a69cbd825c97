// Who is on the other end of a request, and under which name/scheme it reached us. The peer is
// the TCP socket's address; Next's route handlers cannot see the socket, so the console's own
// HTTP server (scripts/serve.mjs, test/integration/serve-routes.ts) deletes any client-sent
// PEER_HEADER and sets it from the socket before Next sees the request, and marks the process
// (PEER_MARK) so that header is believed only where such a server runs. X-Forwarded-For/-Host/
// -Proto are believed only when the peer is a configured trusted proxy (LVS_TRUSTED_PROXIES).
import net from 'node:net';

/** The header our own HTTP server sets from the socket (any client-sent copy is removed first). */
export const PEER_HEADER = 'x-lvs-peer-address';
/** Set in the environment by the server that sets PEER_HEADER: without it the header is not ours. */
export const PEER_MARK = 'LVS_PEER_HEADER';

/** "::ffff:10.0.0.1" -> "10.0.0.1"; anything that is not an IP -> null. */
export function normalizeIp(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let s = raw.trim();
  if (s.startsWith('[') && s.includes(']')) s = s.slice(1, s.indexOf(']'));
  s = s.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return net.isIP(s) ? s : null;
}

/** Parse "10.0.0.0/8, 192.168.1.5, fd00::/8" into a matcher; throws naming the bad entry. */
export function parseTrustedProxies(spec: string | undefined): net.BlockList {
  const list = new net.BlockList();
  for (const part of (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [addr, bits, extra] = part.split('/');
    const ip = normalizeIp(addr);
    const family = ip ? (net.isIPv4(ip) ? 'ipv4' : 'ipv6') : null;
    const max = family === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d+$/.test(bits) ? Number(bits) : NaN;
    if (!ip || !family || extra !== undefined || !(prefix >= 0 && prefix <= max)) throw new Error(`"${part}" is not an IP address or CIDR`);
    list.addSubnet(ip, prefix, family);
  }
  return list;
}

let cache: { spec: string | undefined; list: net.BlockList } | undefined;
function trusted(): net.BlockList {
  const spec = process.env.LVS_TRUSTED_PROXIES;
  if (!cache || cache.spec !== spec) {
    let list: net.BlockList;
    try {
      list = parseTrustedProxies(spec);
    } catch {
      list = new net.BlockList(); // settings.ts refuses a bad value at start-up; here it trusts nobody
    }
    cache = { spec, list };
  }
  return cache.list;
}

export function isTrustedProxy(ip: string | null): boolean {
  return !!ip && trusted().check(ip, net.isIPv4(ip) ? 'ipv4' : 'ipv6');
}

/** The socket peer, when the server in front of Next recorded it (null under a bare `next dev`/`next start`). */
export function peerAddress(req: Request): string | null {
  if (process.env[PEER_MARK] !== '1') return null;
  return normalizeIp(req.headers.get(PEER_HEADER));
}

/**
 * The client: the peer itself, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not a trusted proxy (entries left of it are the client's own
 * claims). Never a header a client can set on its own.
 */
export function clientAddress(req: Request): string | null {
  const peer = peerAddress(req);
  if (!peer || !isTrustedProxy(peer)) return peer;
  const hops = (req.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const ip = normalizeIp(hops[i]);
    if (!ip) return peer; // a garbled chain: the proxy is the best we know
    if (!isTrustedProxy(ip)) return ip;
  }
  return peer;
}

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Host and scheme the client used: X-Forwarded-Host/-Proto from a trusted proxy, else Host and the socket's scheme. */
export function requestOrigin(req: Request): { host: string | null; proto: 'http' | 'https' } {
  const url = new URL(req.url);
  const fromProxy = isTrustedProxy(peerAddress(req));
  const first = (h: string) => req.headers.get(h)?.split(',')[0]?.trim() || null;
  const fwdHost = fromProxy ? first('x-forwarded-host') : null;
  const fwdProto = fromProxy ? first('x-forwarded-proto') : null;
  const host = [fwdHost, req.headers.get('host')].find((h): h is string => !!h && HOST_RE.test(h)) ?? null;
  // our own server (PEER_MARK) speaks plain HTTP; Next's req.url takes its scheme from the client's X-Forwarded-Proto
  const direct = process.env[PEER_MARK] === '1' ? 'http' : url.protocol === 'https:' ? 'https' : 'http';
  const proto = fwdProto === 'https' || fwdProto === 'http' ? fwdProto : direct;
  return { host, proto };
}
