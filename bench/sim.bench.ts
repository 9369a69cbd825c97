// The simulated director at demo scale: scheduling decisions per second for every scheduler (the
// bare decision, and the kernel's whole new-connection path), memory per connection with 100k
// live entries, and 10k services × 10 real servers: setup, readback, an estimator pass, a tick.
import v8 from 'node:v8';
import vm from 'node:vm';
import { performance } from 'node:perf_hooks';
import { SCHEDULER_MODULES } from '../agent/engines/sim/schedulers/index';
import { FakeService, fromClient } from '../agent/engines/sim/schedulers/harness';
import { IPPROTO_TCP } from '../agent/engines/sim/conn-table';
import type { SchedPacket } from '../agent/engines/sim/schedulers/types';
import { SimEngine } from '../agent/engines/sim/index';
import { addServer, addService, server } from '../agent/engines/sim/test-ops';
import type { Op } from '../lib/ipvs/op';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));
const ms = (t: number) => `${t.toFixed(1)} ms`;

/** Repeat fn for at least `minMs`, return calls per second. */
function rate(fn: (i: number) => void, minMs = 300): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let k = 0; k < 2000; k++) fn(n++);
    t = performance.now();
  }
  return (n / (t - t0)) * 1000;
}

const CLIENTS = Array.from({ length: 65536 }, (_, i) => fromClient(`100.${64 + (i >> 14)}.${(i >> 8) & 63}.${i & 255}`, 1024 + (i % 60000)));
/** prebuilt first packets: client address/port vary, the virtual address varies for dh/lblc/lblcr */
const PACKETS: SchedPacket[] = CLIENTS.map((c, i) => ({
  protocol: 6,
  saddr: c.saddr!,
  sfold: c.sfold!,
  sport: c.sport!,
  daddr: `10.9.${(i >> 8) & 3}.${i & 255}`,
  dfold: 0x0a090000 + (i & 1023),
  dport: 80,
}));

function benchDecisions(): void {
  console.log('\nScheduling decisions per second, one service with 10 real servers (weights 1..10):');
  console.log('  bare: the scheduler alone; path: lookup, schedule, entry, bind, counters, first-packet state, timer, unbind');
  console.log('scheduler        bare           path   bare/path');
  for (const name of SCHEDULER_MODULES.keys()) {
    const sched = SCHEDULER_MODULES.get(name)!;
    const svc = new FakeService(sched, { seed: 1 });
    for (let i = 1; i <= 10; i++) {
      const d = svc.add(`d${i}`, i, `10.1.0.${i}`);
      d.activeConns = i % 3; // loaded a little, and never above its weight (ovf's capacity)
      d.inactConns = (i * 91) % 200;
    }
    rate((i) => sched.schedule(svc, svc.state, PACKETS[i & 65535]!, svc.env), 100); // warm up
    const bare = rate((i) => sched.schedule(svc, svc.state, PACKETS[i & 65535]!, svc.env));

    const sim = new SimEngine({ seed: 1 });
    const vip = { protocol: 'tcp', address: '10.9.0.1', port: 80 } as const;
    const ops: Op[] = [addService({ ...vip, scheduler: name as never }), ...Array.from({ length: 10 }, (_, i) => addServer(vip, server(`10.1.0.${i + 1}`, 80, { forwarding: 'masq', weight: i + 1 })))];
    if (!sim.applySync(ops).ok) throw new Error(`setup failed for ${name}`);
    const k = sim.kernel;
    let made = 0;
    const one = (i: number) => {
      const p = PACKETS[i & 65535]!;
      const c = k.connect({ proto: IPPROTO_TCP, saddr: p.saddr, sfold: p.sfold, sport: p.sport, daddr: '10.9.0.1', dfold: 0x0a090001, dport: 80, seg: 'syn', bytes: 60 });
      if (c) {
        made++;
        k.conns.expireNow(c, k.now); // keep the table and the servers' counts steady
      }
    };
    rate(one, 100);
    const path = rate(one);
    if (made === 0) throw new Error(`${name} scheduled nothing`);
    console.log(`${name.padEnd(9)} ${fmt(bare).padStart(9)}/s ${fmt(path).padStart(9)}/s ${(bare / path).toFixed(1).padStart(9)}×`);
  }
}

function benchConnections(): void {
  const N = 100_000;
  console.log(`\nMemory per connection, ${fmt(N)} live entries:`);
  const sim = new SimEngine({ seed: 1 });
  const vip = { protocol: 'tcp', address: '10.9.0.1', port: 80 } as const;
  sim.applySync([addService({ ...vip, scheduler: 'wlc' }), ...Array.from({ length: 10 }, (_, i) => addServer(vip, server(`10.1.0.${i + 1}`, 80, { forwarding: 'masq' })))]);
  const k = sim.kernel;
  const before = heapAfterGc();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const c = CLIENTS[i & 65535]!;
    k.connect({ proto: IPPROTO_TCP, saddr: c.saddr!, sfold: c.sfold!, sport: 1024 + (i >> 16) * 7 + (i % 50000), daddr: '10.9.0.1', dfold: 0x0a090001, dport: 80, seg: 'syn', bytes: 60 });
  }
  const t1 = performance.now();
  const after = heapAfterGc();
  console.log(`  table entries only (kernel.connect): ${((after - before) / N).toFixed(0)} B/connection, ${fmt(N / ((t1 - t0) / 1000))} conn/s to build`);

  // with the traffic side: a held client flow per entry (ESTABLISHED, counted each step)
  const sim2 = new SimEngine({ seed: 1 });
  sim2.applySync([addService({ ...vip, scheduler: 'wlc' }), ...Array.from({ length: 10 }, (_, i) => addServer(vip, server(`10.1.0.${i + 1}`, 80, { forwarding: 'masq' })))]);
  const b2 = heapAfterGc();
  for (let i = 0; i < N; i++) sim2.request(vip, CLIENTS[i & 65535]!.saddr!, { hold: true, requestBytes: 0, responseBytes: 0 });
  const a2 = heapAfterGc();
  console.log(`  entries + client flows (request hold): ${((a2 - b2) / N).toFixed(0)} B/connection (the kernel's Kconfig estimate is ~128 B in C)`);

  const t2 = performance.now();
  sim2.tick(1000);
  const t3 = performance.now();
  console.log(`  one 1 s step with ${fmt(N)} live flows (timers, estimator, traffic): ${ms(t3 - t2)}`);
  let n = 0;
  const t4 = performance.now();
  for (const e of k.conns.entries()) if (e.state >= 0) n++;
  const t5 = performance.now();
  console.log(`  walking the table (as -Lnc does): ${ms(t5 - t4)} for ${fmt(n)} entries`);
  const t6 = performance.now();
  sim.tick(61_000);
  const t7 = performance.now();
  console.log(`  expiring ${fmt(N)} SYN_RECV entries (61 s of sim time): ${ms(t7 - t6)}, ${k.conns.count} left`);
}

function benchScale(): void {
  const S = 10_000;
  const D = 10;
  console.log(`\n${fmt(S)} services × ${D} real servers:`);
  const sim = new SimEngine({ seed: 1 });
  const ops: Op[] = [];
  for (let s = 0; s < S; s++) {
    const vip = { protocol: 'tcp', address: `10.${100 + (s >> 16)}.${(s >> 8) & 255}.${s & 255}`, port: 80 } as const;
    ops.push(addService({ ...vip, scheduler: (['wlc', 'wrr', 'rr', 'mh'] as const)[s % 4] }));
    for (let d = 0; d < D; d++) ops.push(addServer(vip, server(`172.${16 + (d >> 8)}.${d & 255}.${(s % 250) + 1}`, 80, { weight: d + 1 })));
  }
  const before = heapAfterGc();
  const t0 = performance.now();
  const r = sim.applySync(ops);
  const t1 = performance.now();
  if (!r.ok) throw new Error(r.message);
  const after = heapAfterGc();
  console.log(`  setup: ${fmt(ops.length)} ops in ${ms(t1 - t0)} (${fmt(ops.length / ((t1 - t0) / 1000))} ops/s), ${((after - before) / 1024 / 1024).toFixed(0)} MiB heap`);
  let t = performance.now();
  const cfg = sim.config();
  console.log(`  readConfig: ${ms(performance.now() - t)} (${cfg.services.length} services)`);
  t = performance.now();
  const st = sim.kernel.statsSnapshot(0);
  console.log(`  readStats: ${ms(performance.now() - t)} (${st.services.length} services)`);
  t = performance.now();
  sim.tick(2000);
  console.log(`  one estimator pass over ${fmt(S * (D + 1) + 1)} stats objects (+ 2 s of timers): ${ms(performance.now() - t)}`);
  t = performance.now();
  const text = sim.printRules();
  console.log(`  ipvsadm -Sn: ${ms(performance.now() - t)} (${fmt(text.length)} bytes)`);

  sim.setTraffic('demo');
  t = performance.now();
  sim.tick(60_000);
  const dt = performance.now() - t;
  const ts = sim.trafficStats();
  console.log(`  demo traffic, 60 s of sim time: ${ms(dt)} (${(60_000 / dt).toFixed(0)}× real time), ${fmt(ts.opened)} connections opened, ${fmt(sim.kernel.conns.count)} entries live`);
}

export async function run(): Promise<void> {
  benchDecisions();
  benchConnections();
  benchScale();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
