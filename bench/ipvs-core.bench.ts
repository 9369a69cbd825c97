// The IPVS core at scale: parsing and printing ipvsadm rules, and planning, for 1k, 10k and 100k
// real servers (10 per service). Median of several runs after warm-up, side by side, with the
// growth from size to size (10x the rules: ~10x the time means linear).
// Goals (issue 3): 10k services x 10 real servers with one weight changed -> under 50 ms and
// exactly one op; parsing 110k rule lines under 150 ms.
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseRules, printRules } from '../lib/ipvs/rules';
import { plan } from '../lib/ipvs/plan';
import { emptyConfig, type DirectorConfig, type VirtualService } from '../lib/ipvs/model';

const SIZES = [1_000, 10_000, 100_000];
const PER_SERVICE = 10;

/** A table like a real one: TCP and UDP, DR and NAT (with port mapping), varied weights, some persistence. */
function rulesText(realServers: number): string {
  const services = realServers / PER_SERVICE;
  let text = '';
  for (let i = 0; i < services; i++) {
    const udp = i % 10 === 9;
    const vip = `${udp ? '-u' : '-t'} 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${udp ? 53 : 80}`;
    text += `-A ${vip} -s ${i % 3 === 0 ? 'wrr' : 'wlc'}${i % 7 === 0 ? ' -p 300' : ''}\n`;
    for (let j = 0; j < PER_SERVICE; j++) {
      const nat = j % 4 === 3;
      text += `-a ${vip} -r 172.${16 + (i % 16)}.${(i >> 4) & 255}.${j + 1}:${nat ? 8080 : udp ? 53 : 80} ${nat ? '-m' : '-g'} -w ${1 + ((i + j) % 5)}\n`;
    }
  }
  return text;
}

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Median wall time and median CPU time (user+system of this process) after two warm-up runs. On a
 * shared machine the wall time also counts other processes' turns; CPU time is ours alone.
 */
function time<T>(fn: () => T, runs: number): { ms: number; cpu: number; result: T } {
  let result = fn();
  fn();
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    // start each run from a collected heap, so a run does not pay for the garbage of the one before
    gc();
    const c = process.cpuUsage();
    const t = performance.now();
    result = fn();
    ms.push(performance.now() - t);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  return { ms: median(ms), cpu: median(cpu), result };
}

/** The same config with one real server's weight changed (a new object only where it changed). */
function withOneWeightChanged(c: DirectorConfig): DirectorConfig {
  const k = c.services.length >> 1;
  const services = c.services.slice();
  const s = services[k]!;
  services[k] = { ...s, realServers: s.realServers.map((r, i) => (i === 3 ? { ...r, weight: r.weight + 7 } : r)) } as VirtualService;
  return { globals: c.globals, services };
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)).padStart(8);
const ratio = (a: number | undefined, b: number) => (a === undefined ? '       ' : `x${(b / a).toFixed(1)}`.padStart(7));

export async function run(): Promise<void> {
  const rows: {
    size: number;
    lines: number;
    parse: number;
    parseCpu: number;
    print: number;
    planOne: number;
    planOneCpu: number;
    planOneOps: number;
    planEmpty: number;
    planEmptyOps: number;
    planFresh: number;
    planFreshCpu: number;
  }[] = [];
  for (const size of SIZES) {
    // in ipvsadm's order (all TCP services before UDP ones), exactly as ipvsadm-save -n prints it
    const text = printRules(parseRules(rulesText(size)));
    const lines = size + size / PER_SERVICE;
    const runs = size >= 100_000 ? 7 : 15;
    const parsed = time(() => parseRules(text), runs);
    const config = parsed.result;
    const printed = time(() => printRules(config), runs);
    if (printed.result !== text) throw new Error('printRules(parseRules(x)) !== x');
    const desired = withOneWeightChanged(config);
    const one = time(() => plan(desired, config), runs);
    // the agent's case: desired from the control plane and actual from the kernel share no objects
    const fresh = parseRules(text.replace(/-w (\d+)\n/, (_m, w: string) => `-w ${Number(w) + 7}\n`));
    const oneFresh = time(() => plan(fresh, config), runs);
    if (oneFresh.result.length !== 1) throw new Error(`expected one op, got ${oneFresh.result.length}`);
    const empty = time(() => plan(config, emptyConfig()), runs);
    rows.push({
      size,
      lines,
      parse: parsed.ms,
      parseCpu: parsed.cpu,
      print: printed.ms,
      planOne: one.ms,
      planOneCpu: one.cpu,
      planOneOps: one.result.length,
      planEmpty: empty.ms,
      planEmptyOps: empty.result.length,
      planFresh: oneFresh.ms,
      planFreshCpu: oneFresh.cpu,
    });
  }

  console.log('times in ms: median wall (median CPU of this process); growth = time / time of the 10x smaller size');
  console.log(
    'real servers  lines |      parse ms       growth µs/line |  print ms  growth | plan 1 weight, shared objects  ops growth | plan 1 weight, separate parses growth | plan from empty     ops growth',
  );
  rows.forEach((r, i) => {
    const p = rows[i - 1];
    console.log(
      `${String(r.size).padStart(12)} ${String(r.lines).padStart(6)} | ${fmt(r.parse)} (${fmt(r.parseCpu).trim().padStart(6)}) ${ratio(p?.parse, r.parse)} ${((r.parse * 1000) / r.lines).toFixed(2).padStart(7)} | ${fmt(r.print)} ${ratio(p?.print, r.print)} | ${fmt(r.planOne)} (${fmt(r.planOneCpu).trim().padStart(6)})            ${String(r.planOneOps).padStart(4)} ${ratio(p?.planOne, r.planOne)} | ${fmt(r.planFresh)} (${fmt(r.planFreshCpu).trim().padStart(6)})          ${ratio(p?.planFresh, r.planFresh)} | ${fmt(r.planEmpty)}     ${String(r.planEmptyOps).padStart(7)} ${ratio(p?.planEmpty, r.planEmpty)}`,
    );
  });
  const big = rows[rows.length - 1]!;
  const os = await import('node:os');
  const verdict = (wall: number, cpu: number, limit: number) => (wall < limit ? 'MET' : cpu < limit ? `MET in CPU time (${cpu.toFixed(1)} ms), NOT in wall time on this loaded machine` : 'NOT MET');
  console.log(
    `goal: 10k services x 10 real servers, one weight changed -> exactly one op in under 50 ms: ${big.planOneOps} op; ${big.planOne.toFixed(1)} ms with shared objects -> ${big.planOneOps === 1 ? verdict(big.planOne, big.planOneCpu, 50) : 'NOT MET'}; ${big.planFresh.toFixed(1)} ms from two separate parses -> ${verdict(big.planFresh, big.planFreshCpu, 50)}`,
  );
  console.log(`goal: parse ${big.lines} rule lines in under 150 ms: ${big.parse.toFixed(1)} ms -> ${verdict(big.parse, big.parseCpu, 150)}`);
  console.log(
    `(load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} on ${os.cpus().length} CPUs)`,
  );
}
