// Typed errors of the core: validation (field path + rule in an admin's words), rules-text
// parse errors (with line numbers), and failures reported by ipvsadm / the kernel.
import type { z } from 'zod';
import type { Op } from './op';
import { KERNEL_REFUSAL_EXIT, KERNEL_REFUSAL_TEXTS, kernelRefusal, type Errno, type KernelCommand, type RefusalKind } from './kernel-errors';

export interface Issue {
  /** Field path, e.g. "services[2].realServers[0].weight" ("" = the whole value). */
  path: string;
  message: string;
}

/** Bad input: every issue names the field and the rule that was broken. */
export class ValidationError extends Error {
  readonly issues: Issue[];
  constructor(issues: Issue[], message?: string) {
    super(message ?? formatIssues(issues));
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export function formatIssues(issues: readonly Issue[]): string {
  if (issues.length === 0) return 'invalid input';
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/** "services.0.realServers.1.weight" -> "services[0].realServers[1].weight". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

export function issuesFromZod(err: z.ZodError): Issue[] {
  return err.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/** schema.parse that throws ValidationError (never a raw ZodError). */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ValidationError(issuesFromZod(r.error));
  return r.data;
}

// ---- rules text (ipvsadm -S / -R format) ---------------------------------------------------

export interface RulesIssue extends Issue {
  /** 1-based line number in the rules text. */
  line: number;
  /** The file of a multi-file import (keepalived.conf and its includes). */
  file?: string;
}

/** A rules text with bad lines; all bad lines are collected, `line` is the first one. */
export class RulesParseError extends ValidationError {
  declare readonly issues: RulesIssue[];
  readonly line: number;
  constructor(issues: RulesIssue[]) {
    super(issues, issues.map((i) => `${i.file ? `${i.file}:${i.line}` : `line ${i.line}`}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'));
    this.name = 'RulesParseError';
    this.line = issues[0]?.line ?? 0;
  }
}

// ---- ipvsadm / kernel failures ---------------------------------------------------------------

/** What an ipvsadm failure means (kernel refusals: kernel-errors.ts; 'argument': ipvsadm refused its arguments, exit 2). */
export type IpvsadmErrorKind = RefusalKind;

export class IpvsadmError extends Error {
  readonly kind: IpvsadmErrorKind;
  /** ipvsadm's own text (first line of stderr that says something). */
  override readonly message: string;
  readonly exitCode: number;
  /** every non-empty stderr line (an `ipvsadm -R` batch prints one per failed line) */
  readonly messages: string[];
  readonly op?: Op;
  /** the command line, for humans */
  readonly command?: string;
  /** true when the text is known to be misleading in some ipvsadm versions */
  readonly ambiguous: boolean;
  /** our explanation for an admin, beyond ipvsadm's terse text ("weight must be 0–…") */
  readonly hint?: string;
  constructor(init: { kind: IpvsadmErrorKind; message: string; exitCode: number; messages?: string[]; op?: Op; command?: string; ambiguous?: boolean; hint?: string }) {
    super(init.message);
    this.name = 'IpvsadmError';
    this.kind = init.kind;
    this.message = init.message;
    this.exitCode = init.exitCode;
    this.messages = init.messages ?? [init.message];
    this.op = init.op;
    this.command = init.command;
    this.ambiguous = init.ambiguous ?? false;
    if (init.hint) this.hint = init.hint;
  }

  /** ipvsadm's text with our explanation, for people. */
  get explained(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

/** A refusal by the kernel, worded by the one table of ipvs_strerror() texts. */
export function kernelRefused(command: KernelCommand, errno: Errno, context: { op?: Op; command?: string; hint?: string } = {}): IpvsadmError {
  const r = kernelRefusal(command, errno);
  return new IpvsadmError({ kind: r.kind, message: r.message, exitCode: KERNEL_REFUSAL_EXIT, ...context });
}

/** Texts that name a kernel failure: ipvs_strerror()'s, then what other layers (libnl, the init check) print. */
const KERNEL_MESSAGES: [string, IpvsadmErrorKind][] = [
  ...KERNEL_REFUSAL_TEXTS.map((r): [string, IpvsadmErrorKind] => [r.message, r.kind]),
  ['Permission denied', 'permission'],
  ['Operation not permitted', 'permission'],
  ['Invalid operation.', 'argument'],
  ['Invalid argument', 'argument'],
  ["Can't initialize ipvs", 'unsupported'],
];

/** Messages printed by ipvsadm's own argument checks (fail(2, ...)) and by popt. */
const ARGUMENT_PATTERNS: RegExp[] = [
  /^illegal /,
  /^invalid /,
  /^incompatible scheduler flag/,
  /^You need to supply the '/,
  /^Illegal '/,
  /^The option '.*' conflicts with/,
  /^multiple '.*' options specified/,
  /^multiple commands specified/,
  /^Zero port specified for non-persistent service/,
  /^One-Packet Scheduling is only/,
  /^Different address family is allowed only/,
  /^Tunnel options conflict with forward method/,
  /^--set option requires 3 timeout values/,
  /^unexpected argument/,
  /^-6 used before -f/,
  /^options conflicts in the list command/,
  /^Try `.*-h' or '.*--help' for more information/,
  /: (unknown option|missing argument|option does not take an argument|invalid numeric value)$/,
];

/**
 * Map ipvsadm's stderr + exit status to a typed error. Exit 2 is always an argument error; kernel
 * errors exit 255 and carry ipvs_strerror() text; listings that fail exit 1.
 */
export function classifyIpvsadmError(stderr: string, exitCode: number, context: { op?: Op; command?: string } = {}): IpvsadmError {
  const messages = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const first = messages[0] ?? (exitCode === 0 ? 'no error' : `ipvsadm exited with status ${exitCode} and printed nothing`);
  let kind: IpvsadmErrorKind = 'other';
  let ambiguous = false;
  const known = KERNEL_MESSAGES.find(([text]) => first.includes(text));
  if (known) kind = known[1];
  else if (ARGUMENT_PATTERNS.some((re) => re.test(first))) kind = 'argument';
  else if (exitCode === 2) kind = 'argument';
  if (first.startsWith('Memory allocation problem')) {
    // ipvsadm before the 2017 libnl errno fix printed this for "not found" (NLE_OBJ_NOTFOUND = 12 = ENOMEM)
    ambiguous = true;
  }
  // "Can't initialize ipvs: Permission denied ..." is a permission problem, not a missing module
  if (first.includes("Can't initialize ipvs") && first.includes('Permission denied')) kind = 'permission';
  return new IpvsadmError({ kind, message: first, exitCode, messages: messages.length ? messages : [first], op: context.op, command: context.command, ambiguous });
}

// ---- listings (ipvsadm -L output, /proc/net/ip_vs*) ------------------------------------------

/** A listing that is not what ipvsadm or the kernel prints; issues carry 1-based line numbers. */
export class ListingParseError extends ValidationError {
  declare readonly issues: RulesIssue[];
  readonly line: number;
  constructor(what: string, issues: RulesIssue[]) {
    super(issues, `${what}: ${issues.map((i) => `line ${i.line}: ${i.message}`).join('; ')}`);
    this.name = 'ListingParseError';
    this.line = issues[0]?.line ?? 0;
  }
}
