// A labelled form field with help text and its schema issues, wired for screen readers.
import { useId, type ReactElement, type ReactNode } from 'react';
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
