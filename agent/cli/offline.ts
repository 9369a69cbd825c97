// Offline tools of lvs-agent: no kernel, no control plane, just the IPVS core on files.
//   lvs-agent rules parse [FILE|-]                     rules text (or JSON, keepalived.conf) -> canonical JSON
//   lvs-agent rules print [FILE|-] [--format F]        JSON (or rules, keepalived.conf) -> ipvsadm -Sn rules / keepalived.conf
//   lvs-agent rules plan --desired FILE --actual FILE  the ops that turn actual into desired (also as `plan` when free)
// FILE is JSON (a DirectorConfig, or an object with a `config` field such as an exported
// revision), ipvsadm rules text (-Sn / -R input), or keepalived.conf; the format is detected.
// Exit status: 0 done, 2 bad input (the message names the file, line or field and the rule).
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { DirectorConfigSchema, type DirectorConfig } from '@/lib/ipvs/model';
import { issuesFromZod, ValidationError, RulesParseError } from '@/lib/ipvs/errors';
import { parseRules, printRules } from '@/lib/ipvs/rules';
import { importKeepalived, toKeepalivedConf } from '@/lib/ipvs/keepalived';
import type { PreprocessOptions } from '@/lib/ipvs/keepalived/preprocess';
import path from 'node:path';
import { diskSource } from './keepalived-files';
import { plan } from '@/lib/ipvs/plan';
import { opToCommandLine, summarizeOps } from '@/lib/ipvs/ops';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** the file's text; "-" is stdin */
  readFile(file: string): string;
  setExitCode(code: number): void;
}

export const processIo: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  readFile: (file) => fs.readFileSync(file === '-' ? 0 : file, 'utf8'),
  setExitCode: (code) => void (process.exitCode = code),
};

/** Bad input: printed as one clear message, exit status 2. */
export class CliInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliInputError';
  }
}

export type InputFormat = 'json' | 'rules' | 'keepalived';

/** JSON starts with "{"; keepalived.conf has virtual_server blocks or global_defs; anything else is rules text. */
export function detectFormat(text: string): InputFormat {
  const body = text.replace(/^\s*([#!].*)?$/gm, '').trimStart();
  if (body.startsWith('{')) return 'json';
  if (/^\s*(virtual_server|global_defs|vrrp_instance|vrrp_sync_group|virtual_server_group|include)\b|^\s*(\$[A-Za-z_]\w*=|@\^?\S+\s|~SEQ)/m.test(text)) return 'keepalived';
  return 'rules';
}

function describe(file: string, e: unknown): CliInputError {
  const name = file === '-' ? 'stdin' : file;
  if (e instanceof RulesParseError)
    return new CliInputError(`${name}:\n${e.issues.map((i) => `  ${i.file ? `${i.file}:${i.line}` : `line ${i.line}`}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`);
  if (e instanceof ValidationError) {
    if (e.issues.length === 1 && !e.issues[0]!.path) return new CliInputError(`${name}: ${e.issues[0]!.message}`);
    return new CliInputError(`${name}:\n${e.issues.map((i) => `  ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`);
  }
  return new CliInputError(`${name}: ${(e as Error).message}`);
}

/** keepalived's -i (config id) and definitions given on the command line. */
export type KeepalivedCliOptions = { configId?: string; define?: string[] };

function keepalivedOptions(o: KeepalivedCliOptions): PreprocessOptions {
  const defines: Record<string, string> = {};
  for (const d of o.define ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(d);
    if (!m) throw new CliInputError(`--define ${d}: expected NAME=VALUE`);
    defines[m[1]!] = m[2]!;
  }
  return { configId: o.configId, defines };
}

/** Read and parse a config file in any of the three formats (keepalived.conf with its includes, relative to FILE). */
export function loadConfig(file: string, io: Io, ka: KeepalivedCliOptions = {}): { config: DirectorConfig; format: InputFormat } {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliInputError(`cannot read ${file === '-' ? 'stdin' : file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}`);
  }
  const format = detectFormat(text);
  try {
    if (format === 'rules') return { config: parseRules(text), format };
    if (format === 'keepalived') {
      const entry = path.resolve(file === '-' ? 'stdin' : file);
      const r = importKeepalived({ entry, source: diskSource({ [entry]: text }) }, keepalivedOptions(ka));
      for (const w of r.warnings) io.stderr(`warning: ${w.file}:${w.line}: ${w.message}\n`);
      return { config: r.config, format };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ValidationError([{ path: '', message: `not valid JSON: ${(e as Error).message}` }]);
    }
    const obj = json as Record<string, unknown>;
    const wrapped = obj && typeof obj === 'object' && !Array.isArray(obj) && 'config' in obj && !('services' in obj);
    const r = DirectorConfigSchema.safeParse(wrapped ? obj.config : json);
    if (!r.success) throw new ValidationError(issuesFromZod(r.error).map((i) => ({ ...i, path: wrapped ? `config${i.path ? `.${i.path}` : ''}` : i.path })));
    return { config: r.data, format };
  } catch (e) {
    throw describe(file, e);
  }
}

export function rulesParseAction(file: string, io: Io, ka: KeepalivedCliOptions = {}): void {
  const { config } = loadConfig(file, io, ka);
  io.stdout(`${JSON.stringify(config, null, 2)}\n`);
}

export function rulesPrintAction(file: string, opts: { format?: 'ipvsadm' | 'keepalived'; globals?: boolean } & KeepalivedCliOptions, io: Io): void {
  const { config } = loadConfig(file, io, opts);
  io.stdout(opts.format === 'keepalived' ? toKeepalivedConf(config) : printRules(config, { globals: opts.globals ?? false }));
}

/** Prints the plan; returns how many ops it has (for --detailed-exitcode). */
export function planAction(opts: { desired: string; actual: string; json?: boolean } & KeepalivedCliOptions, io: Io): number {
  const desired = loadConfig(opts.desired, io, opts).config;
  const actual = loadConfig(opts.actual, io, opts).config;
  const ops = plan(desired, actual);
  if (opts.json) io.stdout(`${JSON.stringify(ops, null, 2)}\n`);
  else for (const op of ops) io.stdout(`${opToCommandLine(op)}\n`);
  io.stderr(`${ops.length ? summarizeOps(ops, actual) : 'in sync: nothing to do'}\n`);
  return ops.length;
}

/** Run an action: bad input prints one message and sets exit status 2. */
function run(io: Io, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof CliInputError)) throw e;
    io.stderr(`error: ${e.message}\n`);
    io.setExitCode(2);
  }
}

/** keepalived.conf input: keepalived's -i and parameter definitions. */
function withKeepalivedOptions(cmd: Command): Command {
  return cmd
    .option('--config-id <id>', 'keepalived.conf: keep @ID lines for this config id (keepalived -i); none by default')
    .option('--define <NAME=VALUE...>', 'keepalived.conf: a $NAME definition, as if at the top of the file');
}

function addPlan(cmd: Command, io: Io): Command {
  return withKeepalivedOptions(cmd)
    .description('print the ops that turn --actual into --desired, as ipvsadm command lines (or JSON with --json); the summary goes to stderr')
    .requiredOption('--desired <file>', 'desired config: JSON, rules text or keepalived.conf; - for stdin')
    .requiredOption('--actual <file>', 'actual config (e.g. saved with ipvsadm -Sn): JSON, rules text or keepalived.conf')
    .option('--json', 'print the ops as JSON')
    .action((opts: { desired: string; actual: string; json?: boolean } & KeepalivedCliOptions) => run(io, () => void planAction(opts, io)));
}

/** Adds `rules parse|print|plan` (and `plan`, when the program has no plan command of its own). */
export function registerOfflineCommands(program: Command, io: Io = processIo): void {
  const rules = program.command('rules').description('ipvsadm rules, JSON and keepalived.conf, offline (no kernel needed)');
  withKeepalivedOptions(rules.command('parse'))
    .description('parse a config (rules text as ipvsadm -Sn prints it, JSON, or keepalived.conf) and print its canonical JSON')
    .argument('[file]', 'file to read; - or nothing for stdin', '-')
    .action((file: string, opts: KeepalivedCliOptions) => run(io, () => rulesParseAction(file, io, opts)));
  withKeepalivedOptions(rules.command('print'))
    .description('print a config (JSON, rules text or keepalived.conf) as ipvsadm -Sn rules, byte for byte what ipvsadm-save -n prints')
    .argument('[file]', 'file to read; - or nothing for stdin', '-')
    .addOption(new Option('--format <format>', 'ipvsadm rules or keepalived.conf').choices(['ipvsadm', 'keepalived']).default('ipvsadm'))
    .option('--globals', 'also print --set and --start-daemon lines (ipvsadm -S never saves them)')
    .action((file: string, opts: { format: 'ipvsadm' | 'keepalived'; globals?: boolean } & KeepalivedCliOptions) => run(io, () => rulesPrintAction(file, opts, io)));
  addPlan(rules.command('plan'), io);
  if (!program.commands.some((c) => c.name() === 'plan')) addPlan(program.command('plan'), io);
}
