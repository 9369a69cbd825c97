import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifyIpvsadmError, IpvsadmError, issuesFromZod, parseWith, ValidationError, type IpvsadmErrorKind } from './errors';
import { parseIpvsadmArgv } from './ipvsadm-args';
import { argvToOp, applyOps } from './ops';
import { formatList } from './listing';
import { parseRules } from './rules';
import { DirectorConfigSchema } from './model';
import { fixture } from './__fixtures__/load';

/** The error fixtures (stderr + exit code of real ipvsadm 1.31) and what they mean. */
const ERROR_FIXTURES: [string, IpvsadmErrorKind][] = [
  ['083_err_daemon_start_mixed_af_dest', 'argument'], // EINVAL from the kernel
  ['085b_err_daemon_stop_none', 'not-found'],
  ['100_err_delete_missing_service', 'no-service'],
  ['102_err_bad_scheduler', 'unknown-scheduler'],
  ['103_err_duplicate_service', 'exists'],
  ['105_err_delete_missing_dest', 'not-found'],
  ['106_err_edit_missing_service', 'no-service'],
  ['108_err_list_missing_service', 'no-service'],
  ['109_err_bad_address', 'argument'],
  ['111b_err_weight_2147483648', 'argument'],
  ['112_err_unknown_option', 'argument'],
  ['114_err_edit_dest_no_r', 'argument'],
  ['115_err_delete_missing_fwmark', 'no-service'],
  ['117_err_bad_port', 'argument'],
  ['118_err_bad_forward_mix', 'argument'],
  ['120_err_bad_threshold', 'argument'],
  ['121_err_bad_persistence', 'argument'],
  ['123_err_ipv6_no_brackets', 'argument'],
  ['123b_err_bad_protocol_combo', 'argument'],
  ['124_err_fwmark_zero', 'argument'],
  ['125_err_bad_sched_flag', 'argument'],
  ['127_err_set_bad', 'argument'],
  ['128_err_bad_command_combo', 'argument'],
  ['131_err_add_rs_missing_service', 'no-service'],
  ['133_err_ops_tcp', 'argument'],
  ['136_err_mixed_af_dr', 'argument'],
  ['159_restore_R_duplicate', 'exists'],
];

const argvOf = (command: string) => command.split(' ').slice(1);

describe('classifyIpvsadmError', () => {
  it.each(ERROR_FIXTURES)('%s -> %s', (name, kind) => {
    const f = fixture(name);
    const e = classifyIpvsadmError(f.stderr, f.exitCode);
    expect(e).toBeInstanceOf(IpvsadmError);
    expect(e.kind).toBe(kind);
    expect(e.exitCode).toBe(f.exitCode);
    expect(e.message).toBe(f.stderr.split('\n')[0]);
  });

  it('159: a -R batch prints one line per failed line; all are kept', () => {
    const f = fixture('159_restore_R_duplicate');
    expect(classifyIpvsadmError(f.stderr, f.exitCode).messages).toEqual([
      'Service already exists',
      'Destination already exists',
      'Destination already exists',
      'Service already exists',
      'Service already exists',
      'Destination already exists',
    ]);
  });

  it('other texts: permission, missing module, range, the ambiguous pre-2017 ENOMEM, popt errors, silence', () => {
    expect(classifyIpvsadmError('Permission denied (you must be root)\n', 255).kind).toBe('permission');
    expect(classifyIpvsadmError("Can't initialize ipvs: Permission denied (you must be root)\nAre you sure that IP Virtual Server is built in the kernel or as module?\n", 2).kind).toBe('permission');
    expect(classifyIpvsadmError("Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n", 2).kind).toBe('unsupported');
    expect(classifyIpvsadmError('Numerical result out of range\n', 255).kind).toBe('range');
    const nomem = classifyIpvsadmError('Memory allocation problem\n', 255);
    expect(nomem).toMatchObject({ kind: 'other', ambiguous: true });
    expect(classifyIpvsadmError('--bogus: unknown option\n', 255).kind).toBe('argument');
    expect(classifyIpvsadmError('', 255).message).toBe('ipvsadm exited with status 255 and printed nothing');
    expect(classifyIpvsadmError('something new\n', 2).kind).toBe('argument');
    expect(classifyIpvsadmError('something new\n', 255).kind).toBe('other');
  });
});

describe("parseIpvsadmArgv reproduces ipvsadm's own refusals (exit 2 and 255) byte for byte", () => {
  const ARGUMENT_FIXTURES = ERROR_FIXTURES.filter(([name]) => fixture(name).exitCode === 2 || name === '112_err_unknown_option').map(([n]) => n);
  it.each(ARGUMENT_FIXTURES)('%s', (name) => {
    const f = fixture(name);
    try {
      parseIpvsadmArgv(argvOf(f.command));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IpvsadmError);
      expect(`${(e as IpvsadmError).message}\n`).toBe(f.stderr);
      expect((e as IpvsadmError).exitCode).toBe(f.exitCode);
    }
  });

  it('and accepts what ipvsadm accepted (111, 113, 134, 130, 054, 054c, 066, 067, 069, 070, 072)', () => {
    for (const name of [
      '111_weight_65536_accepted',
      '113_noncontiguous_netmask_accepted',
      '134_netmask_without_persistence_accepted',
      '054_ipv6_fwmark_rs',
      '054c_ipv6_fwmark_rs_brackets_port0',
      '066_tun_gue',
      '067_tun_gre',
      '069_tun_mixed_family',
      '070_sched_mh_flags',
      '072_pe_sip',
      '043_fwmark_persistent',
      '055_ipv6_persistent',
      '064_sctp_add_rs',
    ]) {
      expect(() => argvToOp(argvOf(fixture(name).command)), name).not.toThrow();
    }
    expect(argvToOp(argvOf(fixture('130_dr_port_ignored').command.split(' && ')[0]!))).toMatchObject({ op: 'add-server', server: { address: '192.168.10.95', port: 80 } });
    expect(argvToOp(argvOf(fixture('054_ipv6_fwmark_rs').command))).toMatchObject({
      op: 'add-server',
      service: { protocol: 'fwmark', fwmark: 3, family: 'inet6' },
      server: { address: '2001:db8::20', port: 0, weight: 1 },
    });
  });
});

describe('kernel refusals reproduced on the table the fixtures ran against', () => {
  // the table as it was before the error fixtures ran (150 saved it just after them; 111 added .98)
  const table = parseRules(fixture('150_save_before_clear').stdout);
  const KERNEL_FIXTURES = [
    '100_err_delete_missing_service',
    '102_err_bad_scheduler',
    '103_err_duplicate_service',
    '105_err_delete_missing_dest',
    '106_err_edit_missing_service',
    '115_err_delete_missing_fwmark',
    '131_err_add_rs_missing_service',
  ];
  it.each(KERNEL_FIXTURES)('%s', (name) => {
    const f = fixture(name);
    try {
      applyOps(table, [argvToOp(argvOf(f.command))]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IpvsadmError);
      expect(`${(e as IpvsadmError).message}\n`).toBe(f.stderr);
      expect((e as IpvsadmError).kind).toBe(classifyIpvsadmError(f.stderr, f.exitCode).kind);
    }
  });

  it('108: listing a missing service', () => {
    const f = fixture('108_err_list_missing_service');
    const cmd = parseIpvsadmArgv(argvOf(f.command));
    expect(cmd.cmd).toBe('list');
    const svc = cmd.cmd === 'list' ? cmd.svc : null;
    expect(() => formatList(table, null, { service: { protocol: 'tcp', address: svc!.address, port: svc!.port } })).toThrow(expect.objectContaining({ message: 'No such service', exitCode: 1 }));
  });

  it('085b: stopping a daemon that does not run', () => {
    const f = fixture('085b_err_daemon_stop_none');
    expect(() => applyOps(table, [argvToOp(argvOf(f.command))])).toThrow(expect.objectContaining({ message: f.stderr.trim(), kind: 'not-found' }));
  });
});

describe('ValidationError', () => {
  it('names the field path and the rule, from zod issues of the model', () => {
    const r = DirectorConfigSchema.safeParse({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, realServers: [{ address: '10.0.1.1', weight: -1 }, { address: '2001:db8::1' }] }] });
    expect(r.success).toBe(false);
    const issues = issuesFromZod(r.error!);
    expect(issues).toContainEqual({ path: 'services[0].realServers[0].weight', message: 'weight must be 0–2147483647' });
    expect(issues.find((i) => i.path === 'services[0].realServers[1].address')?.message).toMatch(/needs tunnel forwarding/);
  });

  it('parseWith throws ValidationError, never a ZodError', () => {
    expect(() => parseWith(z.object({ a: z.number({ error: 'a must be a number' }) }), { a: 'x' })).toThrow(ValidationError);
    try {
      parseWith(z.object({ a: z.number({ error: 'a must be a number' }) }), { a: 'x' });
    } catch (e) {
      expect((e as ValidationError).issues).toEqual([{ path: 'a', message: 'a must be a number' }]);
      expect((e as ValidationError).message).toBe('a: a must be a number');
    }
  });
});
