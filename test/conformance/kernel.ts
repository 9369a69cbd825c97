// The real-kernel side of the conformance suite: a QEMU guest with Debian's IPVS kernel and
// ipvsadm 1.31 (../shared/ipvs-vm), driven through scripts/ipvsadm-vm-shim.mjs so the agent's
// ipvsadm engine runs unchanged. One guest per test file, reset with `ipvsadm -C` between cases.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const IPVS_VM_DIR = process.env.IPVSVM_HOME ?? path.resolve(REPO_ROOT, '../shared/ipvs-vm');
export const SHIM = path.join(REPO_ROOT, 'scripts/ipvsadm-vm-shim.mjs');

function onPath(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the real kernel cannot be used here, or null when it can. */
export function kernelUnavailableReason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (!onPath('qemu-system-x86_64')) return 'qemu-system-x86_64 is not on PATH (apt-get install qemu-system-x86)';
  if (!fs.existsSync(path.join(IPVS_VM_DIR, 'build-and-run.sh'))) return `${IPVS_VM_DIR}/build-and-run.sh not found (set IPVSVM_HOME)`;
  return null;
}

export const kernelAvailable = kernelUnavailableReason() === null;
/** CI sets LVS_REQUIRE_KERNEL=1: a missing kernel is then a failure, not a skip. */
export const kernelRequired = process.env.LVS_REQUIRE_KERNEL === '1';

interface VmHandle {
  sock: import('node:net').Socket;
  run?: string;
  exec(cmd: string, opts?: { stdin?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}
interface VmClass {
  new (sock: import('node:net').Socket): VmHandle;
  start(o: { env: Record<string, string> }): Promise<VmHandle>;
  connect(socketPath: string, o?: { timeoutMs?: number }): Promise<VmHandle>;
}

export interface Guest {
  /** Environment for the shim (it finds this guest's control socket through IPVSVM_RUN). */
  env: Record<string, string>;
  exec(cmd: string, opts?: { stdin?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Back to a pristine director: no services, default timeouts, no sync daemons. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Boot a guest with its own run dir (several test files may run guests at the same time). QEMU
 * serves its control socket to one client at a time, so nothing here holds a connection between
 * calls: the shim (and every exec) connects, runs one command and hangs up.
 */
export async function bootGuest(
  name: string,
  opts: { hostRoot?: boolean; /** how long an exec waits for the guest's command server (a busy guest on a loaded host answers late) */ connectMs?: number } = {},
): Promise<Guest> {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), `ipvsvm-${name}-`));
  const env = { IPVSVM_RUN: run, IPVSVM_CLIENT: path.join(IPVS_VM_DIR, 'ipvsvm-client.mjs') };
  const { IpvsVm } = (await import(pathToFileURL(path.join(IPVS_VM_DIR, 'ipvsvm-client.mjs')).href)) as { IpvsVm: VmClass };
  // hostRoot: the host's / read-only at /host in the guest, to run the host's node there
  // Boot, then wait for the guest's agent: a loaded 2-core host can take longer than the client's
  // own 2-minute start limit to boot a TCG guest (and a client that gave up keeps QEMU's one
  // control connection), so the wait here is ours.
  execFileSync(path.join(IPVS_VM_DIR, 'build-and-run.sh'), ['agent'], { env: { ...process.env, ...env, ...(opts.hostRoot ? { IPVSVM_HOSTROOT: '1' } : {}) }, stdio: 'ignore' });
  const booted = await IpvsVm.connect(path.join(run, 'ctl.sock'), { timeoutMs: 900_000 });
  // a multicast-capable interface for a backup sync daemon (the guest has no NIC, only lo)
  await booted.exec('ip link add sync0 type dummy && ip link set sync0 multicast on up');
  booted.sock.destroy();
  const sockPath = path.join(run, 'ctl.sock');
  const exec = async (cmd: string, o: { stdin?: string } = {}) => {
    const vm = await IpvsVm.connect(sockPath, { timeoutMs: opts.connectMs ?? 60_000 });
    try {
      return await vm.exec(cmd, o);
    } finally {
      vm.sock.destroy();
    }
  };
  return {
    env,
    exec,
    async reset() {
      const r = await exec('ipvsadm -C && ipvsadm --set 900 120 300 && { ipvsadm --stop-daemon master; ipvsadm --stop-daemon backup; } 2>/dev/null; ipvsadm -Sn | wc -l');
      if (r.stdout.trim() !== '0') throw new Error(`guest reset failed: ${r.stdout} ${r.stderr}`);
    },
    async stop() {
      const vm = await IpvsVm.connect(sockPath, { timeoutMs: 10_000 }).catch(() => null);
      if (vm) {
        vm.run = run;
        await vm.stop();
      } else {
        // the guest no longer answers: end its QEMU by the pid it recorded, never leave it running
        try {
          process.kill(Number(fs.readFileSync(path.join(run, 'agent.pid'), 'utf8')), 'SIGTERM');
        } catch {
          // already gone
        }
      }
      fs.rmSync(run, { recursive: true, force: true });
    },
  };
}

/**
 * The NAT lab of ../shared/ipvs-vm/guest/scenario.sh, inside the guest: a client netns
 * (10.30.0.2) -> the director (VIP 10.10.0.1 on lo) -> rs1..rs3 netns (10.20.N.2, busybox httpd).
 * Exits non-zero on any failure and prints "ready" last.
 */
export const NAT_TOPOLOGY = `set -e
${fs.readFileSync(path.join(REPO_ROOT, 'test/conformance/nat-topology.sh'), 'utf8')}echo ready`;

/** n HTTP requests from the client netns to the VIP; prints how many each real server answered. */
export const hitVip = (n: number) => `for i in $(seq ${n}); do ip netns exec client timeout 5 wget -q -O - http://10.10.0.1/ 2>&1 || echo FAIL; done | sort | uniq -c`;
