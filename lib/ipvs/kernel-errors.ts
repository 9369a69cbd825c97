// The kernel's refusals as ipvsadm prints them: the one table of ipvs_strerror() (libipvs.c).
// The text depends on the command and the errno the kernel returned, so a refusal is one lookup:
// command + errno -> message. The in-memory table (kernel-table.ts), the rules replay (rules.ts),
// the simulator and any engine that talks to the kernel directly (netlink) all word refusals
// through this, and errors.ts classifies ipvsadm's stderr by it. Pure data; no imports.

/** The errnos IPVS answers with, by name (Linux values). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  E2BIG: 7,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ERANGE: 34,
  EMSGSIZE: 90,
  ENOPROTOOPT: 92,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRNOTAVAIL: 99,
  ENOBUFS: 105,
} as const;
export type Errno = keyof typeof ERRNO;

/** The commands that reach the kernel (Op kinds, plus -Z). */
export type KernelCommand = 'add-service' | 'edit-service' | 'delete-service' | 'zero-service' | 'add-server' | 'edit-server' | 'delete-server' | 'set-timeouts' | 'start-daemon' | 'stop-daemon';

/** What a refusal means, for callers that branch on it (IpvsadmError.kind). */
export type RefusalKind = 'exists' | 'not-found' | 'no-service' | 'unknown-scheduler' | 'permission' | 'range' | 'argument' | 'unsupported' | 'other';

interface Refusal {
  message: string;
  kind: RefusalKind;
}

const SERVICE_EXISTS: Refusal = { message: 'Service already exists', kind: 'exists' };
const NO_SCHEDULER: Refusal = { message: 'Scheduler or persistence engine not found', kind: 'unknown-scheduler' };
const NO_SERVICE: Refusal = { message: 'No such service', kind: 'no-service' };
const SERVICE_NOT_DEFINED: Refusal = { message: 'Service not defined', kind: 'no-service' };
const NO_DEST: Refusal = { message: 'No such destination', kind: 'not-found' };

/** ipvs_strerror()'s per-command entries. */
const BY_COMMAND: Partial<Record<KernelCommand, Partial<Record<Errno, Refusal>>>> = {
  'add-service': { EEXIST: SERVICE_EXISTS, ENOENT: NO_SCHEDULER },
  'edit-service': { ESRCH: NO_SERVICE, ENOENT: NO_SCHEDULER },
  'delete-service': { ESRCH: NO_SERVICE },
  'zero-service': { ESRCH: NO_SERVICE },
  'add-server': { ESRCH: SERVICE_NOT_DEFINED, EEXIST: { message: 'Destination already exists', kind: 'exists' } },
  'edit-server': { ESRCH: SERVICE_NOT_DEFINED, ENOENT: NO_DEST },
  'delete-server': { ESRCH: SERVICE_NOT_DEFINED, ENOENT: NO_DEST },
  'start-daemon': { EEXIST: { message: 'Daemon has already run', kind: 'exists' } },
  'stop-daemon': { ESRCH: { message: 'No daemon is running', kind: 'not-found' } },
};

/** ipvs_strerror()'s entries for any command. */
const ANY_COMMAND: Partial<Record<Errno, Refusal>> = {
  EPERM: { message: 'Permission denied (you must be root)', kind: 'permission' },
  EINVAL: { message: 'Invalid operation.  Possibly wrong module version, address not unicast, ...', kind: 'argument' },
  ENOPROTOOPT: { message: 'Protocol not available', kind: 'unsupported' },
  ENOMEM: { message: 'Memory allocation problem', kind: 'other' },
  EOPNOTSUPP: { message: 'Operation not supported with IPv6', kind: 'unsupported' },
  EAFNOSUPPORT: { message: 'Operation not supported with specified address family', kind: 'unsupported' },
  EMSGSIZE: { message: 'Module is wrong version', kind: 'unsupported' },
};

/** What ipvs_strerror() falls back to: strerror(errno). */
const STRERROR: Record<Errno, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  E2BIG: 'Argument list too long',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
  EMSGSIZE: 'Message too long',
  ENOPROTOOPT: 'Protocol not available',
  EOPNOTSUPP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENOBUFS: 'No buffer space available',
};

/** ipvsadm's text (exit status 255) for a command the kernel refused with an errno, and what it means. */
export function kernelRefusal(command: KernelCommand, errno: Errno): Refusal {
  return BY_COMMAND[command]?.[errno] ?? ANY_COMMAND[errno] ?? { message: STRERROR[errno], kind: errno === 'ERANGE' ? 'range' : 'other' };
}

const ERRNO_NAME = new Map<number, Errno>(Object.entries(ERRNO).map(([name, n]) => [n, name as Errno]));

/**
 * The same lookup for an engine that holds a bare errno number (the netlink engine): what ipvsadm
 * prints when the kernel refuses `command` (null: a read) with it, so a NACK reads the same
 * whichever engine ran.
 */
export function kernelRefusalText(command: KernelCommand | null, errno: number): string {
  const name = ERRNO_NAME.get(errno);
  if (!name) return `Unknown error ${errno}`;
  return command === null ? (ANY_COMMAND[name]?.message ?? STRERROR[name]) : kernelRefusal(command, name).message;
}

/** sysctl(8)'s words when the kernel refuses a write of /proc/sys/<key> (`key` as net.ipv4.vs.sync_ports). */
export function sysctlRefusalText(key: string, errno: string): string {
  const why = Object.hasOwn(STRERROR, errno) ? STRERROR[errno as Errno] : errno;
  return `sysctl: setting key "${key}": ${why}`;
}

/** Every text ipvsadm can print for a kernel refusal, with its meaning (for classifying stderr). */
export const KERNEL_REFUSAL_TEXTS: readonly Refusal[] = [
  ...new Map([...Object.values(BY_COMMAND).flatMap((m) => Object.values(m)), ...Object.values(ANY_COMMAND), { message: STRERROR.ERANGE, kind: 'range' as const }].map((r) => [r.message, r])).values(),
];

/** ipvsadm exits 255 (exit(-1)) when the kernel refuses a command. */
export const KERNEL_REFUSAL_EXIT = 255;
