import { describe, expect, it } from 'vitest';
import { fixture, fixtureNames } from './__fixtures__/load';
import { classifyIpvsadmError, kernelRefused } from './errors';
import { ERRNO, KERNEL_REFUSAL_TEXTS, kernelRefusal } from './kernel-errors';

describe('the kernel refusal table', () => {
  it('words a refusal by command and errno, as ipvs_strerror does', () => {
    expect(kernelRefusal('add-service', 'ENOENT').message).toBe('Scheduler or persistence engine not found');
    expect(kernelRefusal('edit-server', 'ENOENT').message).toBe('No such destination');
    expect(kernelRefusal('delete-service', 'ESRCH').message).toBe('No such service');
    expect(kernelRefusal('delete-server', 'ESRCH').message).toBe('Service not defined');
    expect(kernelRefusal('add-server', 'EINVAL').message).toBe('Invalid operation.  Possibly wrong module version, address not unicast, ...');
    expect(kernelRefusal('edit-server', 'ERANGE')).toEqual({ message: 'Numerical result out of range', kind: 'range' });
    // an errno the table has no entry for falls back to strerror()
    expect(kernelRefusal('stop-daemon', 'EEXIST')).toEqual({ message: 'File exists', kind: 'other' });
    expect(Object.keys(ERRNO)).toContain('EAFNOSUPPORT');
  });

  it('every kernel refusal the real ipvsadm printed (exit 255) is in the table, and classifies as the table says', () => {
    const seen: string[] = [];
    for (const name of fixtureNames()) {
      const fx = fixture(name);
      if (fx.exitCode !== 255 || !fx.stderr.trim() || fx.stderr.startsWith('Try `ipvsadm')) continue;
      const lines = fx.stderr.trim().split('\n'); // an -R batch prints one line per failed command
      for (const text of lines) {
        const entry = KERNEL_REFUSAL_TEXTS.find((r) => r.message === text);
        expect(entry, `${name}: ${text}`).toBeDefined();
        expect(classifyIpvsadmError(text, 255).kind).toBe(entry!.kind);
        seen.push(text);
      }
    }
    expect(new Set(seen).size).toBeGreaterThanOrEqual(5);
  });

  it('builds the typed error the engines throw', () => {
    const e = kernelRefused('add-server', 'EEXIST', { command: 'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:80' });
    expect({ kind: e.kind, message: e.message, exitCode: e.exitCode, command: e.command }).toEqual({
      kind: 'exists',
      message: 'Destination already exists',
      exitCode: 255,
      command: 'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:80',
    });
  });
});
