// The netlink engine inside the QEMU guest, seen from the host as an ordinary Engine. The guest
// runs the host's node (IPVSVM_HOSTROOT=1) on a bundled driver (netlink-driver.ts) that keeps one
// NetlinkEngine open; each call is one JSON request through the driver's FIFOs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DirectorConfig } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import type { ConnEntry, StatsSnapshot } from '@/lib/ipvs/stats';
import { EngineUnavailableError, type ApplyResult, type Engine, type EngineFacts, type ReadScope } from '@/agent/engines/engine';
import { REPO_ROOT, type Guest } from './kernel';

const NL = '/tmp/nl';
const NLIB = '/tmp/nlib';
/** The host's node, copied into the guest's tmpfs: run over the 9p share it takes a minute to start under load. */
export const GUEST_NODE = `${NLIB}/ld-linux-x86-64.so.2 --library-path ${NLIB} ${NLIB}/node`;
const DRIVER = 'agent/dist/netlink-driver.mjs';

/** Copy the host's node and the libraries it links (from ldd) into the guest, once per guest. */
export async function installGuestNode(guest: Guest): Promise<void> {
  const ldd = execFileSync('ldd', [process.execPath], { encoding: 'utf8' });
  // real paths: a host symlink (/lib64 -> /lib/...) would resolve inside the guest's own root
  const libs = [...ldd.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]!);
  const copies = [...new Set(libs)].map((l) => `cp /host${fs.realpathSync(l)} ${NLIB}/${path.basename(l)}`).join(' && ');
  const r = await guest.exec(`mkdir -p ${NLIB} && test -x ${NLIB}/node || { ${copies} && cp /host${fs.realpathSync(process.execPath)} ${NLIB}/node.part && mv ${NLIB}/node.part ${NLIB}/node; }`);
  if (r.code !== 0) throw new Error(`copying node into the guest failed: ${r.stderr}`);
}

/** Build the driver bundle, start it in the guest, and wait until it is listening. */
export async function startNetlinkDriver(guest: Guest, timeoutMs = 600_000): Promise<GuestNetlinkEngine> {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build-agent.mjs'), 'test/conformance/netlink-driver.ts', DRIVER], { cwd: REPO_ROOT, stdio: 'ignore' });
  await installGuestNode(guest);
  const start = await guest.exec(`rm -rf ${NL} && mkdir -p ${NL} && mkfifo ${NL}/req ${NL}/resp && (setsid ${GUEST_NODE} /host${path.join(REPO_ROOT, DRIVER)} ${NL} >${NL}/log 2>&1 </dev/null &)`);
  if (start.code !== 0) throw new Error(`starting the netlink driver failed: ${start.stderr}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await guest.exec(`test -f ${NL}/ready && echo up; cat ${NL}/log`);
    if (r.stdout.startsWith('up')) break;
    if (Date.now() > deadline || /Error|error:/.test(r.stdout)) throw new Error(`the netlink driver did not start in the guest: ${r.stdout}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
  return new GuestNetlinkEngine(guest);
}

interface Reply {
  ok: boolean;
  value?: unknown;
  error?: string;
  name?: string;
  /** the call's duration inside the guest, ms */
  ms: number;
  requests: number;
  statsRequests: number;
}

export class GuestNetlinkEngine implements Engine {
  readonly kind = 'netlink' as const;
  /** The engine's netlink request counter (control socket), after the last call. */
  requests = 0;
  statsRequests = 0;
  /** How long the last call took inside the guest (emulated), ms. */
  lastMs = 0;

  constructor(private readonly guest: Guest) {}

  async call<T>(call: string, ...args: unknown[]): Promise<T> {
    // bounded: a driver that died must not leave the guest's command server blocked on its FIFO
    const r = await this.guest.exec(`timeout 600 sh -c 'cat > ${NL}/req && cat ${NL}/resp' || { echo "driver log:"; tail -20 ${NL}/log; exit 1; }`, { stdin: JSON.stringify({ call, args }) });
    if (r.code !== 0) throw new Error(`the netlink driver did not answer: ${r.stdout} ${r.stderr}`);
    const reply = JSON.parse(r.stdout) as Reply;
    this.requests = reply.requests;
    this.statsRequests = reply.statsRequests;
    this.lastMs = reply.ms;
    if (!reply.ok) throw reply.name === 'EngineUnavailableError' ? new EngineUnavailableError(reply.error!) : new Error(reply.error);
    return reply.value as T;
  }

  facts(): Promise<EngineFacts> {
    return this.call('facts');
  }
  readConfig(scope?: ReadScope): Promise<DirectorConfig> {
    return this.call('readConfig', scope);
  }
  readStats(): Promise<StatsSnapshot> {
    return this.call('readStats');
  }
  apply(ops: Op[], before?: DirectorConfig): Promise<ApplyResult> {
    return this.call('apply', ops, before);
  }
  async *connections(): AsyncIterable<ConnEntry> {
    throw new Error('the guest driver does not stream connections (the engine reads /proc/net/ip_vs_conn)');
  }
  async close(): Promise<void> {
    await this.call('exit').catch(() => undefined);
  }
}
