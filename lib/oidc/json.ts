/**
 * Reading JSON answers from the provider at the boundary: every field is checked for its type
 * before the rest of the program trusts it.
 *
 * @module
 */

import { OidcError, ProviderError } from "../errors.ts";
import { stripControlCharacters } from "../text.ts";

/** A parsed JSON object whose fields are still unchecked. */
export type JsonObject = Record<string, unknown>;

/**
 * Reads a JSON object body. A body with an OAuth `error` field becomes an {@link OidcError}; any
 * other non-2xx answer, or a body that is not a JSON object, a {@link ProviderError}.
 *
 * @param what the exchange, for messages ("discovery", "token request")
 */
export async function readJsonObject(response: Response, what: string): Promise<JsonObject> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const object = typeof body === "object" && body !== null && !Array.isArray(body)
    ? body as JsonObject
    : undefined;
  if (object && typeof object.error === "string" && object.error !== "") {
    // The provider's words reach the terminal: no escape sequences in them.
    const description = optionalString(object, "error_description");
    throw new OidcError(
      what,
      stripControlCharacters(object.error),
      description === undefined ? undefined : stripControlCharacters(description),
      response.status,
    );
  }
  if (!response.ok) {
    throw new ProviderError(
      `${what} failed: HTTP ${response.status} ${response.statusText}`.trim(),
      {
        status: response.status,
      },
    );
  }
  if (!object) throw new ProviderError(`${what} failed: the answer is not a JSON object`);
  return object;
}

/** A required string field. */
export function requiredString(object: JsonObject, field: string, what: string): string {
  const value = object[field];
  if (typeof value !== "string" || value === "") {
    throw new ProviderError(`${what}: "${field}" is missing or not a string`);
  }
  return value;
}

/** An optional string field; a field of another type is treated as absent. */
export function optionalString(object: JsonObject, field: string): string | undefined {
  const value = object[field];
  return typeof value === "string" ? value : undefined;
}

/** An optional array of strings, its other items dropped; anything else is treated as absent. */
export function optionalStringArray(object: JsonObject, field: string): string[] | undefined {
  const value = object[field];
  if (!Array.isArray(value)) return undefined;
  return value.filter((item): item is string => typeof item === "string");
}

/**
 * An optional finite number, also accepted as a string of digits (as some providers send);
 * anything else is treated as absent.
 */
export function optionalNumber(object: JsonObject, field: string): number | undefined {
  const value = object[field];
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return undefined;
}
