// keepalived's DNS_CHECK: one query to the real server; good when it answers without error.
import { Resolver } from 'node:dns/promises';
import { formatHostPort } from '@/lib/ipvs/addr';
import type { CheckRun } from './types';

export const dnsCheck: CheckRun = async ({ address, port, check }) => {
  const r = new Resolver({ timeout: check.timeout * 1000, tries: 1 });
  r.setServers([formatHostPort(address, port)]);
  const type = check.dnsType ?? 'SOA';
  const name = check.dnsName ?? '.';
  const started = Date.now();
  try {
    await r.resolve(name, type);
    return { ok: true, reason: `ok DNS ${type} ${name} (${Date.now() - started} ms)` };
  } catch (e) {
    return { ok: false, reason: `DNS ${type} ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  } finally {
    r.cancel();
  }
};
