// The addresses configured on the director's interfaces, in the agent's network namespace: read
// with `ip -j addr show` (iproute2's JSON, run with an argv array and no shell), or given by the
// simulator, whose interfaces are in memory. The HA reporter keeps the cluster's VIPs among them.
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { addressFamily, canonicalAddress } from '@/lib/ipvs/addr';

export interface InterfaceAddress {
  address: string;
  interface: string;
}

/** Where a director's addresses come from; `describe` says so in the HA report. */
export interface AddressSource {
  readonly describe: string;
  read(): Promise<InterfaceAddress[]>;
}

// only the fields we read; iproute2 prints many more
const IpAddrJsonSchema = z.array(
  z.object({
    ifname: z.string(),
    addr_info: z
      .array(
        z.object({
          family: z.string(),
          local: z.string().optional(),
          label: z.string().optional(),
          dadfailed: z.boolean().optional(),
        }),
      )
      .default([]),
  }),
);

/** Parse `ip -j addr show`: every IPv4/IPv6 address with its interface (a failed-DAD IPv6 address is not usable: left out). */
export function parseIpAddrJson(text: string): InterfaceAddress[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`ip -j addr printed no JSON: ${(e as Error).message}`);
  }
  const links = IpAddrJsonSchema.safeParse(raw);
  if (!links.success) throw new Error(`ip -j addr printed an unexpected shape: ${links.error.issues[0]?.message ?? 'invalid'}`);
  const out: InterfaceAddress[] = [];
  for (const link of links.data) {
    for (const a of link.addr_info) {
      if ((a.family !== 'inet' && a.family !== 'inet6') || !a.local || a.dadfailed) continue;
      if (addressFamily(a.local) === null) continue;
      out.push({ address: canonicalAddress(a.local), interface: link.ifname });
    }
  }
  return out;
}

/** `ip -j addr show` through iproute2 (argv only; LC_ALL=C). */
export class IpCommandAddressSource implements AddressSource {
  readonly describe: string;
  constructor(private readonly bin = 'ip') {
    this.describe = `${bin} -j addr show`;
  }

  read(): Promise<InterfaceAddress[]> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, ['-j', 'addr', 'show'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(e.code === 'ENOENT' ? `${this.bin} not found (install iproute2)` : e.message));
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        if (code !== 0) return reject(new Error(`${this.describe} exited ${code}: ${Buffer.concat(err).toString('utf8').trim().slice(0, 200)}`));
        try {
          resolve(parseIpAddrJson(Buffer.concat(out).toString('utf8')));
        } catch (e) {
          reject(e as Error);
        }
      });
    });
  }
}
