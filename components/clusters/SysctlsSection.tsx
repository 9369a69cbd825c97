'use client';
// The kernel's IPVS settings (net.ipv4.vs.*) in the director settings form: one row per setting of
// the table (lib/ipvs/sysctls.ts) with what it does and the kernel's default; blank leaves each
// director's own value alone. Text in, the model's input out; GlobalsSchema validates it.
import { formatSysctlValue, SYSCTL_NAMES, SYSCTL_TABLE, type SysctlName, type Sysctls, type SysctlValue } from '@/lib/ipvs/sysctls';
import { Field } from '../ui/field';

export type SysctlsForm = Partial<Record<SysctlName, string>>;

export function sysctlsToForm(s: Sysctls | undefined): SysctlsForm {
  return Object.fromEntries(SYSCTL_NAMES.filter((n) => s?.[n] !== undefined).map((n) => [n, formatSysctlValue(s![n] as SysctlValue)]));
}

/** Blank rows are left out; "3 50" is a pair; anything not numeric goes to the schema as text, which names the setting. */
export function sysctlsFromForm(f: SysctlsForm): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const n of SYSCTL_NAMES) {
    const t = f[n]?.trim();
    if (!t) continue;
    const parts = t.split(/\s+/);
    const nums = parts.every((p) => /^-?\d+$/.test(p)) ? parts.map(Number) : null;
    out[n] = nums === null ? t : SYSCTL_TABLE[n].kind.type === 'pair' || nums.length > 1 ? nums : nums[0];
  }
  return Object.keys(out).length ? out : undefined;
}

const defaultText = (n: SysctlName) => {
  const d = SYSCTL_TABLE[n].kernelDefault;
  return d === null ? 'depends on memory' : Array.isArray(d) ? d.join(' ') : String(d);
};

export function SysctlsSection({ form, set, errors, disabled }: { form: SysctlsForm; set: (f: SysctlsForm) => void; errors: (path: string) => string[] | undefined; disabled: boolean }) {
  return (
    <section className="stack" style={{ gap: 10 }} id="ipvs-settings" aria-label="IPVS kernel settings">
      <h3>Kernel IPVS settings (net.ipv4.vs.*)</h3>
      <p className="small faint" style={{ margin: 0 }}>
        Written to <code>/proc/sys/net/ipv4/vs/</code> on every director by its agent, read back and watched for drift. Blank leaves the director’s own value alone.
      </p>
      {errors('sysctls') ? <div className="field-error">{errors('sysctls')!.join('; ')}</div> : null}
      <div className="grid3">
        {SYSCTL_NAMES.map((n) => (
          <Field key={n} label={n} errors={errors(`sysctls.${n}`)} help={`${SYSCTL_TABLE[n].doc} (kernel default ${defaultText(n)})`}>
            <input type="text" value={form[n] ?? ''} placeholder={defaultText(n)} disabled={disabled} onChange={(ev) => set({ ...form, [n]: ev.target.value })} data-testid={`sysctl-${n}`} />
          </Field>
        ))}
      </div>
    </section>
  );
}
