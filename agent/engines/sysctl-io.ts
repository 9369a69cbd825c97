// The kernel's IPVS settings on a real director: /proc/sys/net/ipv4/vs/<name>, read and written in
// the agent's own network namespace (the files are per namespace). `withSysctls` adds them to a
// kernel engine (ipvsadm, netlink): every read carries `globals.sysctls` (so drift in them is found
// like any other), `set-sysctl` ops are written to /proc between the engine's own runs of ops, and
// a refused write is a failed op with the kernel's words. The simulator holds them itself.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sysctlRefusalText } from '@/lib/ipvs/kernel-errors';
import type { DirectorConfig } from '@/lib/ipvs/model';
import type { Op } from '@/lib/ipvs/op';
import { isSysctlOp, opToCommandLine } from '@/lib/ipvs/ops';
import { formatSysctlValue, isSysctlName, parseSysctlValue, SYSCTL_PREFIX, type SysctlName, type Sysctls } from '@/lib/ipvs/sysctls';
import type { ApplyResult, Engine, ReadScope } from './engine';

export const PROC_SYSCTL_ROOT = '/proc/sys/net/ipv4/vs';

/** Where the settings live: /proc here, another root in tests, the QEMU guest in conformance. */
export interface SysctlIo {
  /** Every file and its text; empty when IPVS is not loaded. */
  readAll(): Promise<Record<string, string>>;
  /** Throws an error whose `code` is the errno name (EINVAL) when the kernel refuses. */
  write(name: SysctlName, text: string): Promise<void>;
}

export function procSysctlIo(root = PROC_SYSCTL_ROOT): SysctlIo {
  return {
    async readAll() {
      let names: string[];
      try {
        names = await readdir(root);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw e;
      }
      const out: Record<string, string> = {};
      await Promise.all(
        names.filter(isSysctlName).map(async (n) => {
          out[n] = await readFile(path.join(root, n), 'utf8');
        }),
      );
      return out;
    },
    async write(name, text) {
      // the name comes from the table (isSysctlName), never from a path the console sent
      await writeFile(path.join(root, name), `${text}\n`, { flag: 'r+' });
    },
  };
}

/** The table's settings among what the kernel lists (unknown files and unparsable text are left out). */
export function sysctlsFromFiles(files: Record<string, string>): Sysctls | undefined {
  const out: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(files)) {
    if (!isSysctlName(name)) continue;
    const v = parseSysctlValue(name, text);
    if (v.ok) out[name] = v.value;
  }
  return Object.keys(out).length ? (out as Sysctls) : undefined;
}

/** A kernel engine that also reads and writes the IPVS settings through `io`. */
export function withSysctls<E extends Engine>(engine: E, io: SysctlIo): E {
  const readConfig = engine.readConfig.bind(engine);
  const apply = engine.apply.bind(engine);
  const facts = engine.facts.bind(engine);
  const read = async () => sysctlsFromFiles(await io.readAll());
  engine.readConfig = async (scope?: ReadScope): Promise<DirectorConfig> => {
    // one after the other: an engine may talk to its kernel over one channel at a time (the QEMU guest's)
    const config = await readConfig(scope);
    const sysctls = await read();
    return sysctls ? { ...config, globals: { ...config.globals, sysctls } } : config;
  };
  engine.facts = async () => {
    const f = await facts();
    const sysctls = await read();
    return sysctls ? { ...f, sysctls } : f;
  };
  engine.apply = async (ops: Op[], before?: DirectorConfig): Promise<ApplyResult> => {
    let done = 0;
    while (done < ops.length) {
      const op = ops[done]!;
      if (isSysctlOp(op)) {
        try {
          await io.write(op.name, formatSysctlValue(op.value));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
          return { ok: false, applied: done, failedOp: op, command: opToCommandLine(op), message: sysctlRefusalText(`${SYSCTL_PREFIX}${op.name}`, code), exitCode: null };
        }
        done++;
        continue;
      }
      // the engine's own ops up to the next setting, in one go (a setting never touches a service, so `before` still holds)
      let end = done;
      while (end < ops.length && !isSysctlOp(ops[end]!)) end++;
      const r = await apply(ops.slice(done, end), before);
      if (!r.ok) return { ...r, applied: done + r.applied };
      done = end;
    }
    return { ok: true, applied: ops.length };
  };
  return engine;
}
