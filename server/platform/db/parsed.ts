/**
 * A row's `properties` (a JSON column) parsed once per row object. On the capture path several
 * listeners read each new touchpoint's properties in the same transaction (attribution's facts,
 * scoring's rules, the policy's hand-raise test); each parsed the text again. The value is
 * shared: read it, never change it.
 */
import { attachment } from '../attachment.ts';
import { fromJson } from './schema.ts';

const parsed = attachment<{ text: unknown; value: unknown }>('parsed properties');

/**
 * `row.properties` parsed as `fromJson` parses it (and throws as it does on text that is no JSON),
 * from what was kept for this row while its text is unchanged.
 */
export function propertiesOfRow(row: { properties: unknown }): unknown {
  const known = parsed.get(row);
  if (known && known.text === row.properties) return known.value;
  const value = fromJson<unknown>(row.properties, {});
  if (typeof row.properties === 'string' && Object.isExtensible(row))
    parsed.set(row, { text: row.properties, value });
  return value;
}

/** `row.properties` as an object to read fields from: `{}` when they are no JSON object. */
export function propertiesObjectOf(row: { properties: unknown }): Record<string, unknown> {
  try {
    const p = propertiesOfRow(row);
    return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
