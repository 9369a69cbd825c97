// The kernel's refusals as ipvsadm prints them: the one table of ipvs_strerror() (libipvs.c).
// The text depends on the command and the errno the kernel returned, so a refusal is one lookup:
// command + errno -> message. The in-memory table (kernel-table.ts), the rules replay (rules.ts),
// the simulator and any engine that talks to the kernel directly (netlink) all word refusals
// through this, and errors.ts classifies ipvsadm's stderr by it. Pure data; no imports.

/** The errnos IPVS answers with, by name (Linux values). */
export const ERRNO = { EPERM: 1, ENOENT: 2, ESRCH: 3, ENOMEM: 12, EEXIST: 17, EINVAL: 22, ERANGE: 34, EMSGSIZE: 90, ENOPROTOOPT: 92, EOPNOTSUPP: 95, EAFNOSUPPORT: 97 } as const;
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
  ENOMEM: 'Cannot allocate memory',
  EEXIST: 'File exists',
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
  EMSGSIZE: 'Message too long',
  ENOPROTOOPT: 'Protocol not available',
  EOPNOTSUPP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol',
};

/** ipvsadm's text (exit status 255) for a command the kernel refused with an errno, and what it means. */
export function kernelRefusal(command: KernelCommand, errno: Errno): Refusal {
  return BY_COMMAND[command]?.[errno] ?? ANY_COMMAND[errno] ?? { message: STRERROR[errno], kind: errno === 'ERANGE' ? 'range' : 'other' };
}

/** Every text ipvsadm can print for a kernel refusal, with its meaning (for classifying stderr). */
export const KERNEL_REFUSAL_TEXTS: readonly Refusal[] = [
  ...new Map(
    [...Object.values(BY_COMMAND).flatMap((m) => Object.values(m)), ...Object.values(ANY_COMMAND), { message: STRERROR.ERANGE, kind: 'range' as const }].map((r) => [r.message, r]),
  ).values(),
];

/** ipvsadm exits 255 (exit(-1)) when the kernel refuses a command. */
export const KERNEL_REFUSAL_EXIT = 255;
