import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import YAML from 'yaml';
import { interpolateDeep, parseDotEnv } from './interpolate';
import { semanticProblems, type SemanticOptions } from './semantic-checks';

export type { SemanticOptions };

/** Where the Compose Specification schema fixture lives (the Compose Specification's published JSON schema). */
export const COMPOSE_SCHEMA_PATH = path.join(__dirname, '..', 'fixtures', 'compose-spec.json');

/** Options for {@link validateComposeFile}. */
export interface ValidateOptions extends SemanticOptions {
  /**
   * Variables used to interpolate the file before the semantic checks. Default: the `.env.example`
   * beside the compose file, if there is one (so the checks see what a user gets after copying it).
   */
  env?: Record<string, string>;
}

/** What {@link validateComposeFile} found. */
export interface ComposeReport {
  /** Compose Specification schema violations, one line each. */
  schemaErrors: string[];
  /** Semantic problems (healthchecks, restart policies, ports, volumes, secrets), one line each. */
  semanticErrors: string[];
  /** Required variables (`${VAR:?…}`) not set by `env`. */
  missingVariables: string[];
  /** The interpolated document. */
  document: Record<string, unknown>;
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** The compiled Compose Specification validator (draft-07 schema; its `deprecated` annotations allowed). */
export function composeSchemaValidator(): ReturnType<Ajv['compile']> {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    // The fixture names draft-07 as "https://json-schema.org/draft-07/schema" (no "#"), which Ajv does not
    // know by that id; Ajv's default dialect is draft-07, so the declaration is dropped, not the rules.
    const { $schema: _dialect, ...schema } = JSON.parse(fs.readFileSync(COMPOSE_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    validator = ajv.compile(schema);
  }
  return validator;
}

/** Validates a parsed compose document against the schema; returns one readable line per error. */
export function schemaErrors(document: unknown): string[] {
  const validate = composeSchemaValidator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`);
}

/**
 * Validates one compose file: the raw YAML against the Compose Specification schema, then (after
 * interpolating it with `options.env` or the neighbouring `.env.example`) the semantic rules in
 * semantic-checks.ts. Shared by every stack's tests: call it with the path of your compose file.
 */
export function validateComposeFile(file: string, options: ValidateOptions = {}): ComposeReport {
  const raw = YAML.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const example = path.join(path.dirname(file), '.env.example');
  const env = options.env ?? (fs.existsSync(example) ? parseDotEnv(fs.readFileSync(example, 'utf8')) : {});
  const missingVariables: string[] = [];
  const document = interpolateDeep(raw, env, missingVariables) as Record<string, unknown>;
  return {
    schemaErrors: schemaErrors(raw),
    semanticErrors: semanticProblems(raw, document, options),
    missingVariables: [...new Set(missingVariables)],
    document,
  };
}
