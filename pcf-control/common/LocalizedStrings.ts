/**
 * Strings come from each control's `.resx` through `context.resources.getString`. Components never
 * hold English text: they receive a `LocalizedStrings` and ask it by key. The type is structural, so
 * a page outside the PCF runtime (the API's local preview) can pass its own `getString`.
 */
export interface StringSource {
  getString(id: string): string;
}

export interface LocalizedStrings<Key extends string> {
  /** The string for `key`, with `{0}`, `{1}`… replaced by `values` in order. */
  get(key: Key, ...values: (string | number)[]): string;
}

export function formatTemplate(template: string, values: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (placeholder, index: string) => {
    const value = values[Number(index)];
    return value === undefined ? placeholder : String(value);
  });
}

export function createLocalizedStrings<Key extends string>(source: StringSource): LocalizedStrings<Key> {
  return {
    get(key, ...values) {
      return formatTemplate(source.getString(key), values);
    },
  };
}
