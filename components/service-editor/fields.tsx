// The text fields of the service form's own keys: each shows the issues at its path (the key
// unless the schema names it otherwise), marks that path touched on blur, and writes the key.
import type { ComponentProps } from 'react';
import { TextField } from '../ui/field';
import type { ServiceForm } from './form';
import { formSetter, type SectionProps } from './section';

type TextKey = { [K in keyof ServiceForm]: ServiceForm[K] extends string ? K : never }[keyof ServiceForm];
type More = { path?: string } & Omit<ComponentProps<typeof TextField>, 'label' | 'value' | 'onChange' | 'errors' | 'disabled'>;

/** `text(label, key, more)`: a TextField of the form's `key`; `disabled` for a locked or read-only form. */
export function formTextFields({ form, update, errs, touch }: SectionProps, disabled: boolean) {
  const set = formSetter(update);
  return function text(label: string, k: TextKey, { path = k, ...more }: More = {}) {
    return <TextField label={label} errors={errs(path)} value={form[k]} disabled={disabled} onChange={(v) => set(k, v)} onBlur={touch(path)} {...more} />;
  };
}
