// keepalived's checkers (TCP_CHECK, HTTP_GET, SSL_GET) -> the model's HealthCheck, with
// keepalived's defaults where a field is absent, and a named refusal for what the agent cannot
// run yet. Settings may come from the virtual_server, the real_server or the checker block; the
// innermost wins, as in keepalived.
import type { Node } from './tree';
import type { HealthCheck } from '../model';

/** keepalived's defaults (check_data.c / check_api.c): what a keepalived.conf means when it says nothing. */
export const KEEPALIVED_DEFAULTS = { delayLoop: 60, connectTimeout: 5, retry: 1, delayBeforeRetry: 1, riseAfter: 1 } as const;

export const CHECKER_KEYWORDS = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK']);
const SUPPORTED: Record<string, HealthCheck['type']> = {
  TCP_CHECK: 'tcp',
  HTTP_GET: 'http',
  SSL_GET: 'https',
  DNS_CHECK: 'dns',
  UDP_CHECK: 'udp',
  PING_CHECK: 'ping',
  SMTP_CHECK: 'smtp',
  MISC_CHECK: 'misc',
};
/** keepalived's checker name of each model type (the export writes it). */
export const CHECKER_OF: Record<HealthCheck['type'], string> = Object.fromEntries(Object.entries(SUPPORTED).map(([k, v]) => [v, k])) as Record<HealthCheck['type'], string>;
/** keepalived's default ports where the checker has one. */
const DEFAULT_PORT: Partial<Record<HealthCheck['type'], number>> = { dns: 53, smtp: 25 };

type Report = (n: Node, path: string, message: string) => void;

/** A whole number of seconds, as the model keeps them (keepalived also takes fractions). */
function seconds(n: Node, report: Report): number {
  const v = n.args[0];
  if (v === undefined || !/^\d+(\.0*)?$/.test(v)) {
    report(n, n.key, `${n.key} must be a whole number of seconds here, got "${v ?? ''}"`);
    return NaN;
  }
  return Math.trunc(Number(v));
}

/** The checker block `node` with the settings inherited from its real_server / virtual_server (`outer`: keyword -> node). */
export function parseChecker(node: Node, outer: Record<string, unknown>, report: Report, warn: Report = () => {}): Record<string, unknown> | null {
  const type = SUPPORTED[node.key];
  if (!type) {
    report(node, node.key, `${node.key} is not supported by the LVS Console agent (${Object.keys(SUPPORTED).join(', ')} are); remove it or replace it to import`);
    return null;
  }
  const settings: Record<string, Node> = {};
  for (const [k, v] of Object.entries(outer)) settings[k] = v as Node;
  const hc: Record<string, unknown> = { type };
  const urls: Node[] = [];
  for (const c of node.children ?? []) {
    switch (c.key) {
      case 'connect_port':
        hc.port = Number(c.args[0] ?? NaN);
        break;
      case 'connect_ip':
        hc.connectIp = c.args[0];
        break;
      case 'bindto':
        hc.bindTo = c.args[0];
        break;
      case 'connect_timeout':
      case 'delay_loop':
      case 'delay_before_retry':
      case 'warmup':
      case 'retry':
      case 'nb_get_retry':
      case 'virtualhost':
        settings[c.key === 'nb_get_retry' ? 'retry' : c.key] = c;
        break;
      case 'url':
        if (type === 'http' || type === 'https') urls.push(c);
        else report(c, node.key, `url is for HTTP_GET / SSL_GET, not ${node.key}`);
        break;
      case 'type':
        if (type !== 'dns') report(c, node.key, `${node.key} keyword "type" is not supported`);
        else hc.dnsType = (c.args[0] ?? '').toUpperCase();
        break;
      case 'name':
        if (type !== 'dns') report(c, node.key, `${node.key} keyword "name" is not supported`);
        else hc.dnsName = c.args[0];
        break;
      case 'payload':
        if (type !== 'udp') report(c, node.key, `${node.key} keyword "payload" is not supported`);
        else hc.udpPayload = c.args.join('');
        break;
      case 'require_reply':
        if (type !== 'udp') report(c, node.key, `${node.key} keyword "require_reply" is not supported`);
        // keepalived: require_reply alone means the reply must equal the payload
        else hc.udpReply = c.args.length ? c.args.join('') : (hc.udpPayload ?? '');
        break;
      case 'helo_name':
        if (type !== 'smtp') report(c, node.key, `${node.key} keyword "helo_name" is not supported`);
        else hc.heloName = c.args[0];
        break;
      case 'misc_path': {
        if (type !== 'misc') {
          report(c, node.key, `${node.key} keyword "misc_path" is not supported`);
          break;
        }
        // keepalived runs "PATH ARGS"; the director runs only scripts in its own checks directory
        const argv = (c.args.length === 1 ? c.args[0]!.split(/\s+/) : c.args).filter(Boolean);
        const file = argv[0] ?? '';
        hc.script = file.slice(file.lastIndexOf('/') + 1);
        if (argv.length > 1) hc.scriptArgs = argv.slice(1);
        warn(c, 'misc_path', `the director runs ${hc.script as string} from its own checks directory (lvs-agent --checks-dir, default /etc/lvs-agent/checks), not ${file}; install it there`);
        break;
      }
      case 'misc_timeout':
        if (type !== 'misc') report(c, node.key, `${node.key} keyword "misc_timeout" is not supported`);
        else settings.connect_timeout = c;
        break;
      case 'misc_dynamic':
        if (type !== 'misc') report(c, node.key, `${node.key} keyword "misc_dynamic" is not supported`);
        else hc.dynamicWeight = true;
        break;
      default:
        report(c, node.key, `${node.key} keyword "${c.key}" is not supported`);
    }
  }
  const delay = settings.delay_loop;
  hc.interval = delay ? seconds(delay, report) : KEEPALIVED_DEFAULTS.delayLoop;
  hc.timeout = settings.connect_timeout ? seconds(settings.connect_timeout, report) : KEEPALIVED_DEFAULTS.connectTimeout;
  const retry = settings.retry ? Number(/^\d+$/.test(settings.retry.args[0] ?? '') ? settings.retry.args[0] : NaN) : KEEPALIVED_DEFAULTS.retry;
  if (Number.isNaN(retry)) report(settings.retry!, 'retry', `retry must be a whole number, got "${settings.retry!.args[0] ?? ''}"`);
  hc.fall = retry + 1;
  hc.rise = KEEPALIVED_DEFAULTS.riseAfter;
  hc.retryDelay = settings.delay_before_retry ? seconds(settings.delay_before_retry, report) : KEEPALIVED_DEFAULTS.delayBeforeRetry;
  if (settings.warmup) hc.warmup = seconds(settings.warmup, report);
  if (settings.alpha) {
    const v = settings.alpha.args[0];
    if (v === undefined || ['true', 'on', 'yes'].includes(v)) hc.alpha = true;
    else if (!['false', 'off', 'no'].includes(v)) report(settings.alpha, 'alpha', `alpha takes true or false, got "${v}"`);
  }
  if (type !== 'http' && type !== 'https') {
    if (settings.virtualhost && node.children?.some((c) => c.key === 'virtualhost')) report(settings.virtualhost, 'virtualhost', 'virtualhost is for HTTP_GET / SSL_GET');
    if (hc.port === undefined && DEFAULT_PORT[type] !== undefined) hc.port = DEFAULT_PORT[type];
    if (type === 'misc' && hc.script === undefined) report(node, node.key, 'MISC_CHECK needs a misc_path');
    return hc;
  }
  if (settings.virtualhost) hc.virtualhost = settings.virtualhost.args[0];
  if (urls.length === 0) report(node, node.key, `${node.key} needs a url block (keepalived checks nothing without one)`);
  // keepalived checks every url block in turn; the server passes only when all of them pass
  const parsed = urls.map((u) => parseUrl(u, report));
  const [first, ...more] = parsed;
  if (first) {
    hc.path = first.path;
    if (first.digest !== undefined) hc.digest = first.digest;
    if (first.virtualhost !== undefined) hc.virtualhost = first.virtualhost;
    if (first.codes.length === 1 && /^\d+$/.test(first.codes[0]!)) hc.expectStatus = Number(first.codes[0]);
    else hc.statusCodes = statusList(first.codes);
  }
  if (more.length) {
    const own = more.find((u) => u.virtualhost !== undefined && u.virtualhost !== hc.virtualhost);
    if (own) report(own.node, 'url', 'a url with its own virtualhost differing from the first url is not supported (LVS Console sends one Host header per check)');
    hc.moreUrls = more.map((u) => ({ path: u.path, statusCodes: statusList(u.codes), ...(u.digest !== undefined ? { digest: u.digest } : {}) }));
  }
  return hc;
}

/** keepalived accepts any 2xx when a url names no status_code. */
const statusList = (codes: string[]) => (codes.length ? codes.join(',') : '200-299');

/** One `url { path, status_code, digest, virtualhost }` block. */
function parseUrl(u: Node, report: Report): { node: Node; path?: string; codes: string[]; digest?: string; virtualhost?: string } {
  const out: { node: Node; path?: string; codes: string[]; digest?: string; virtualhost?: string } = { node: u, codes: [] };
  for (const c of u.children ?? []) {
    if (c.key === 'path') out.path = c.args[0];
    else if (c.key === 'status_code') out.codes = out.codes.concat(c.args.join(',').split(',').filter(Boolean));
    else if (c.key === 'digest') out.digest = c.args[0];
    else if (c.key === 'virtualhost') out.virtualhost = c.args[0];
    else report(c, 'url', `url keyword "${c.key}" is not supported`);
  }
  if (out.path === undefined) report(u, 'url', 'a url block needs a path');
  return out;
}
