// Random invalid input never escapes as anything but the typed errors: ValidationError (and its
// RulesParseError / ListingParseError) for bad data, IpvsadmError for refused commands.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IpvsadmError, parseWith, RulesParseError, ValidationError } from './errors';
import { DirectorConfigSchema } from './model';
import { OpSchema } from './op';
import { parseKeepalivedConf } from './keepalived';
import { argvToOp, applyOps } from './ops';
import { IPVSADM_OPTION_WORDS, configArb, junkText } from './__fixtures__/arbitraries';

const junk = fc.oneof(fc.anything(), fc.string(), fc.integer(), fc.constantFrom(null, undefined, -1, 2 ** 32, 1.5, '', '10.0.0.300', '::g', 'rr', 'tcp', 'fwmark'));

/** A valid config with one value somewhere replaced by junk. */
const nearlyValid = fc.tuple(configArb({ maxServices: 3, globals: true, overlays: true }), fc.nat(), junk).map(([c, at, value]) => {
  const json = JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        slots.push([v, i]);
        walk(x);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        slots.push([v as Record<string, unknown>, k]);
        walk(x);
      }
    }
  };
  walk(json);
  if (slots.length) {
    const [obj, key] = slots[at % slots.length]!;
    (obj as Record<string | number, unknown>)[key] = value;
  }
  return json;
});

describe('typed errors only', () => {
  it('DirectorConfigSchema through parseWith: ValidationError with field paths, never a ZodError', () => {
    fc.assert(
      fc.property(fc.oneof(junk, nearlyValid), (input) => {
        try {
          const c = parseWith(DirectorConfigSchema, input);
          // what passes is canonical: parsing again changes nothing
          expect(DirectorConfigSchema.parse(c)).toEqual(c);
        } catch (e) {
          expect(e).toBeInstanceOf(ValidationError);
          for (const i of (e as ValidationError).issues) expect(typeof i.message).toBe('string');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('keepalived.conf importer: RulesParseError with line numbers', () => {
    const word = fc.constantFrom(
      'virtual_server',
      'real_server',
      '{',
      '}',
      'fwmark',
      '10.0.0.1',
      '80',
      'lvs_sched',
      'rr',
      'lvs_method',
      'TUN',
      'type',
      'gue',
      'port',
      'weight',
      '-1',
      'persistence_timeout',
      'protocol',
      'UDP',
      'HTTP_GET',
      'url',
      'path',
      '#',
      '"q"',
      'global_defs',
      'lvs_timeouts',
      'tcp',
      'lvs_sync_daemon',
      'id',
    );
    fc.assert(
      fc.property(junkText(fc.oneof(word, fc.string({ maxLength: 5 })), 6, 12), (text) => {
        try {
          parseKeepalivedConf(text);
        } catch (e) {
          expect(e).toBeInstanceOf(RulesParseError);
          for (const i of (e as RulesParseError).issues) expect(i.line).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("ipvsadm argv: IpvsadmError (ipvsadm's message and exit status), never a crash", () => {
    const tok = fc.oneof(
      fc.constantFrom(...IPVSADM_OPTION_WORDS, 'master', 'backup', '10.0.0.1:80', '[::1]:80', '::1', '5', '0', 'wrr', 'sh-port', '--', '-', '--weight=2', '-w2'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(tok, { maxLength: 10 }), (argv) => {
        try {
          const op = argvToOp(argv);
          expect(OpSchema.safeParse(op).success).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(IpvsadmError);
          expect([1, 2, 255, 0]).toContain((e as IpvsadmError).exitCode);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('applyOps with any valid ops: the result or IpvsadmError, and a failed op leaves the input as it was', () => {
    fc.assert(
      fc.property(configArb({ maxServices: 3 }), configArb({ maxServices: 3 }), (a, b) => {
        // b's services as ops against a: some exist (refused), some not
        const ops = b.services.flatMap((s) => [{ op: 'add-service' as const, service: s }, ...s.realServers.map((r) => ({ op: 'edit-server' as const, service: s, server: r }))]);
        const before = JSON.stringify(a);
        try {
          applyOps(a, OpSchema.array().parse(ops));
        } catch (e) {
          expect(e).toBeInstanceOf(IpvsadmError);
        }
        expect(JSON.stringify(a)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });
});
