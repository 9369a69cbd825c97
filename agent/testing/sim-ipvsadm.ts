// An `ipvsadm` for the IpvsadmEngine's injectable runner, answered by a SimEngine: argv and `-R`
// batches (list commands and ops alike) behave as ipvsadm 1.31 does on the real kernel, including
// stopping a batch at the first list command that fails. Every call is recorded, so tests can
// count processes and what each one listed.
import type { ServiceKey } from '@/lib/ipvs/model';
import { parseIpvsadmArgv, type ServiceSpec } from '@/lib/ipvs/ipvsadm-args';
import { argvToOp } from '@/lib/ipvs/ops';
import { formatVersion } from '@/lib/ipvs/listing';
import type { ExecResult } from '../engines/exec';
import type { SimEngine } from '../engines/sim';

export interface SimIpvsadmCall {
  argv: string[];
  stdin: string | undefined;
}

function keyOf(s: ServiceSpec): ServiceKey {
  return s.fwmark > 0 ? { protocol: 'fwmark', fwmark: s.fwmark, family: s.family } : { protocol: s.protocol, address: s.address, port: s.port };
}

interface LineResult {
  out: string;
  err: string;
  code: number;
  /** ipvsadm exits on a failed listing or a bad line, ending a -R batch there */
  stop: boolean;
}

function runOne(sim: SimEngine, argv: string[]): LineResult {
  const failed = (e: unknown, stop: boolean): LineResult => ({ out: '', err: `${(e as Error).message}\n`, code: (e as { exitCode?: number }).exitCode ?? 1, stop });
  let cmd;
  try {
    cmd = parseIpvsadmArgv(argv);
  } catch (e) {
    return failed(e, true);
  }
  try {
    switch (cmd.cmd) {
      case 'version':
        return { out: formatVersion(), err: '', code: 0, stop: false };
      case 'save':
        return { out: sim.printRules(), err: '', code: 0, stop: false };
      case 'list': {
        const l = cmd.list;
        if (l.timeout) return { out: sim.printTimeouts(), err: '', code: 0, stop: false };
        if (l.daemon) return { out: sim.printDaemons(), err: '', code: 0, stop: false };
        if (l.connection) return { out: sim.printConnList(), err: '', code: 0, stop: false };
        const out = sim.printList({
          stats: l.stats,
          rate: l.rate,
          exact: l.exact,
          thresholds: l.thresholds,
          persistentConn: l.persistentConn,
          tunInfo: l.tunInfo,
          nosort: l.nosort,
          service: cmd.svc ? keyOf(cmd.svc) : undefined,
        });
        return { out, err: '', code: 0, stop: false };
      }
      default: {
        const r = sim.applySync([argvToOp(argv)]);
        return r.ok ? { out: '', err: '', code: 0, stop: false } : { out: '', err: `${r.message}\n`, code: r.exitCode ?? 255, stop: false };
      }
    }
  } catch (e) {
    return failed(e, cmd.cmd === 'list');
  }
}

export function simIpvsadm(sim: SimEngine): { exec: (argv: string[], stdin: string | undefined) => Promise<ExecResult>; calls: SimIpvsadmCall[] } {
  const calls: SimIpvsadmCall[] = [];
  const exec = async (argv: string[], stdin: string | undefined): Promise<ExecResult> => {
    calls.push({ argv, stdin });
    if (argv.length !== 1 || argv[0] !== '-R') {
      const r = runOne(sim, argv);
      return { code: r.code, stdout: r.out, stderr: r.err };
    }
    let stdout = '';
    let stderr = '';
    let code = 0;
    for (const line of (stdin ?? '').split('\n')) {
      if (line.trim() === '') continue;
      const r = runOne(sim, line.trim().split(/\s+/));
      stdout += r.out;
      stderr += r.err;
      code = r.code;
      if (r.stop) break;
    }
    return { code, stdout, stderr };
  };
  return { exec, calls };
}
