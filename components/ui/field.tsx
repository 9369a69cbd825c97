// A labelled form field with help text and its schema issues, wired for screen readers.
import { useId, type CSSProperties, type InputHTMLAttributes, type ReactElement, type ReactNode } from 'react';
import { cloneElement, isValidElement } from 'react';

export function Field({ label, help, errors, children, className }: { label: ReactNode; help?: ReactNode; errors?: string[]; children: ReactElement<Record<string, unknown>>; className?: string }) {
  const id = useId();
  const helpId = `${id}-help`;
  const errId = `${id}-err`;
  const bad = !!errors && errors.length > 0;
  const describedBy = [help ? helpId : null, bad ? errId : null].filter(Boolean).join(' ') || undefined;
  // a control may be marked invalid by its page even when the field shows no message of its own
  const control = isValidElement(children) ? cloneElement(children, { id, 'aria-invalid': bad || children.props['aria-invalid'] || undefined, 'aria-describedby': describedBy }) : children;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {control}
      {bad ? (
        <div className="error" id={errId} role="alert">
          {errors!.join('; ')}
        </div>
      ) : help ? (
        <div className="help" id={helpId}>
          {help}
        </div>
      ) : null}
    </div>
  );
}

type FieldFrame = { label: ReactNode; help?: ReactNode; errors?: string[]; className?: string };

/** The repeated form row: a Field around a one-line text input that hands back its new value. */
export function TextField({
  label,
  help,
  errors,
  className,
  onChange,
  ...input
}: FieldFrame & { value: string; onChange: (value: string) => void } & Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'>) {
  return (
    <Field label={label} help={help} errors={errors} className={className}>
      <input type="text" {...input} onChange={(ev) => onChange(ev.target.value)} />
    </Field>
  );
}

/** The <option>s of a select: one per value, labelled by `label` (the value itself by default). */
export function Options<T extends string | number>({ values, label }: { values: readonly T[]; label?: (value: T) => ReactNode }) {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v}>
          {label ? label(v) : v}
        </option>
      ))}
    </>
  );
}

/** A checkbox row: a setting that is on or off, its text the label. */
export function Check({
  checked,
  onChange,
  readOnly,
  children,
  className,
  style,
  ...input
}: { checked: boolean; onChange: (on: boolean) => void; readOnly: boolean; children: ReactNode; className?: string; style?: CSSProperties } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'checked' | 'onChange' | 'type' | 'style' | 'className' | 'children'
>) {
  return (
    <label className={className ? `check ${className}` : 'check'} style={style}>
      <input type="checkbox" checked={checked} disabled={readOnly} onChange={(ev) => onChange(ev.target.checked)} {...input} />
      {children}
    </label>
  );
}
