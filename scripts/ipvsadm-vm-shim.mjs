#!/usr/bin/env node
// ipvsadm-vm-shim: an `ipvsadm` executable that runs the real ipvsadm inside the QEMU IPVS guest
// (../shared/ipvs-vm), so the agent's ipvsadm engine can be pointed at a real kernel with
// `--ipvsadm scripts/ipvsadm-vm-shim.mjs`. argv and stdin are forwarded unchanged, stdout, stderr
// and the exit status come back unchanged.
//
// Environment: IPVSVM_RUN (the guest's run dir; its ctl.sock is used) or IPVSVM_SOCKET (the socket
// itself); IPVSVM_CLIENT (path of ipvsvm-client.mjs; default ../shared/ipvs-vm/ from the repo root).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const clientPath = process.env.IPVSVM_CLIENT || path.resolve(repoRoot, '../shared/ipvs-vm/ipvsvm-client.mjs');
const workDir = process.env.IPVSVM_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ipvsvm');
const socketPath = process.env.IPVSVM_SOCKET || path.join(process.env.IPVSVM_RUN || path.join(workDir, 'run'), 'ctl.sock');

// Same quoting as ipvsvm-client.mjs: the guest runs the command line with bash -c.
const shq = (s) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`);

function fail(msg) {
  process.stderr.write(`ipvsadm-vm-shim: ${msg}\n`);
  process.exit(127);
}

if (!fs.existsSync(clientPath)) fail(`ipvsvm client not found at ${clientPath} (set IPVSVM_CLIENT)`);
const { IpvsVm } = await import(pathToFileURL(clientPath).href);

const stdin = process.stdin.isTTY ? '' : fs.readFileSync(0, 'utf8');
const cmd = ['ipvsadm', ...process.argv.slice(2)].map(shq).join(' ');

// The guest's command server is already up; skip the client's ping handshake (one round trip).
// QEMU serves one connection at a time with a tiny backlog: concurrent callers get EAGAIN and retry.
async function connect() {
  const deadline = Date.now() + 60_000;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const r = await new Promise((resolve) => {
      const s = net.createConnection(socketPath, () => resolve({ sock: s }));
      s.once('error', (e) => resolve({ error: e }));
    });
    if (r.sock) return r.sock;
    // EAGAIN: another caller holds the connection. ECONNREFUSED: busy too, or QEMU is gone (give up sooner).
    const busy = r.error.code === 'EAGAIN' || (r.error.code === 'ECONNREFUSED' && Date.now() < deadline - 55_000);
    if (!busy || Date.now() > deadline) fail(`cannot reach the IPVS guest at ${socketPath}: ${r.error.code ?? r.error.message} (boot it with ../shared/ipvs-vm/build-and-run.sh agent)`);
    await new Promise((res) => setTimeout(res, delay + Math.random() * delay));
  }
}
const sock = await connect();
const vm = new IpvsVm(sock);
const timer = setTimeout(() => fail('no answer from the IPVS guest within 60 s'), 60_000);
const r = await vm.exec(cmd, { stdin });
clearTimeout(timer);
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
sock.destroy();
process.exitCode = r.code;
