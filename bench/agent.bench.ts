// Applying a plan: one `ipvsadm -R` batch (what the agent does) vs one ipvsadm process per op
// (what a naive agent does), and reading the table: one -R running four listings vs four
// processes. Measured inside the QEMU guest (real kernel, real ipvsadm 1.31; the guest is
// emulated, so absolute times are slower than on hardware, ratios are what matter), side by side.
import { opsToRestoreBatch, opToArgv } from '../lib/ipvs/ops';
import type { Op } from '../lib/ipvs/op';
import { bootGuest, kernelUnavailableReason, type Guest } from '../test/conformance/kernel';

function opsFor(services: number, serversPer: number): Op[] {
  const ops: Op[] = [];
  for (let s = 0; s < services; s++) {
    const key = { protocol: 'tcp' as const, address: `10.${Math.floor(s / 250)}.${s % 250}.1`, port: 80 };
    ops.push({ op: 'add-service', service: { ...key, scheduler: 'wrr', schedFlags: [], onePacket: false, realServers: [] } } as unknown as Op);
    for (let r = 0; r < serversPer; r++) ops.push({ op: 'add-server', service: key, server: { address: `10.200.${s % 250}.${r + 2}`, port: 80, forwarding: 'route', weight: 1 + (r % 5), upperThreshold: 0, lowerThreshold: 0 } });
  }
  return ops;
}

/** Run a bash snippet in the guest and return its wall time in ms, measured in the guest. */
async function timed(g: Guest, body: string, stdinFile?: string): Promise<number> {
  // bash's $EPOCHREALTIME (busybox date has no %N)
  const script = `t0=$EPOCHREALTIME; { ${body}; } ${stdinFile ? `< ${stdinFile}` : ''} >/dev/null 2>/tmp/bench.err; rc=$?; t1=$EPOCHREALTIME; echo "$t0 $t1 $rc"`;
  const r = await g.exec(script);
  const [t0, t1, rc] = r.stdout.trim().split(/\s+/).map(Number);
  const ms = Math.round((t1! - t0!) * 1000);
  if (rc !== 0) throw new Error(`bench step failed (exit ${rc}): ${(await g.exec('head -3 /tmp/bench.err')).stdout}`);
  return ms;
}

async function writeGuestFile(g: Guest, path: string, text: string): Promise<void> {
  // in pieces: one command line of the guest's channel has to stay small
  const b64 = Buffer.from(text).toString('base64');
  await g.exec(`: > ${path}.b64`);
  for (let i = 0; i < b64.length; i += 3000) {
    const r = await g.exec(`printf %s ${b64.slice(i, i + 3000)} >> ${path}.b64`);
    if (r.code !== 0) throw new Error(`cannot write ${path} in the guest`);
  }
  const r = await g.exec(`base64 -d < ${path}.b64 > ${path}`);
  if (r.code !== 0) throw new Error(`cannot decode ${path} in the guest: ${r.stderr}`);
}

export async function run(): Promise<void> {
  const why = kernelUnavailableReason();
  if (why) {
    console.log(`skipped: no IPVS guest (${why})`);
    return;
  }
  const g = await bootGuest('bench');
  try {
    console.log('apply N ops (services + real servers), wall time inside the guest');
    console.log('   ops   -R batch   one process/op   ratio');
    await g.exec('ipvsadm -A -t 10.255.0.1:80 -s wrr'); // load the scheduler module before timing
    for (const [services, per] of [[20, 4], [50, 9]] as const) {
      const ops = opsFor(services, per);
      await writeGuestFile(g, '/tmp/batch.txt', opsToRestoreBatch(ops));
      await writeGuestFile(g, '/tmp/perop.sh', ops.map((op) => `ipvsadm ${opToArgv(op).join(' ')}`).join('\n') + '\n');
      await g.reset();
      const batch = await timed(g, 'ipvsadm -R', '/tmp/batch.txt');
      await g.reset();
      const perOp = await timed(g, 'bash /tmp/perop.sh');
      console.log(`${String(ops.length).padStart(6)} ${`${batch} ms`.padStart(10)} ${`${perOp} ms`.padStart(16)} ${`${(perOp / Math.max(1, batch)).toFixed(1)}x`.padStart(7)}`);
    }
    console.log('\nread the whole table (the 500-op config above): the agent\'s one -R vs four processes');
    await writeGuestFile(g, '/tmp/read.txt', '-S -n\n-L -n --thresholds\n-L -n --timeout\n-L -n --daemon\n');
    const reads: [number, number][] = [];
    for (let i = 0; i < 3; i++) {
      const one = await timed(g, 'ipvsadm -R', '/tmp/read.txt');
      const four = await timed(g, 'ipvsadm -S -n; ipvsadm -L -n --thresholds; ipvsadm -L -n --timeout; ipvsadm -L -n --daemon');
      reads.push([one, four]);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const one = med(reads.map((r) => r[0]));
    const four = med(reads.map((r) => r[1]));
    console.log(`  one -R: ${one} ms   four processes: ${four} ms   ratio ${(four / Math.max(1, one)).toFixed(1)}x (median of 3)`);
  } finally {
    await g.stop();
  }
}
