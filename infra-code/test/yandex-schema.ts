/**
 * A strict validator for Yandex resource inputs against the provider's own package schema (fixture: a subset of
 * the provider's schema, infra-code/test/fixtures/yandex-provider-0.13.0-subset.json): an unknown property, a missing required input or a wrong type is an error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A node of the package schema's type language. */
interface SchemaNode {
  type?: string;
  $ref?: string;
  items?: SchemaNode;
  additionalProperties?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
}

/** The parts of the package schema the validator reads. */
export interface PackageSchema {
  resources: Record<string, { inputProperties: Record<string, SchemaNode>; requiredInputs?: string[] }>;
  functions: Record<string, { inputs: { properties: Record<string, SchemaNode>; required?: string[] } }>;
  types: Record<string, SchemaNode>;
}

/** Loads the fixture schema. */
export function loadYandexSchema(): PackageSchema {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', 'yandex-provider-0.13.0-subset.json'), 'utf8')) as PackageSchema;
}

function validateObject(
  schema: PackageSchema,
  value: unknown,
  properties: Record<string, SchemaNode>,
  required: readonly string[],
  path: string,
  errors: string[],
): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(`${path}: expected an object`);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key of required) if (obj[key] === undefined) errors.push(`${path}.${key}: required input missing`);
  for (const [key, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const node = properties[key];
    if (!node) errors.push(`${path}.${key}: unknown property`);
    else validateValue(schema, v, node, `${path}.${key}`, errors);
  }
}

function validateValue(schema: PackageSchema, value: unknown, node: SchemaNode, path: string, errors: string[]): void {
  if (node.$ref) {
    const token = node.$ref.replace(/^#\/types\//, '');
    const t = schema.types[token];
    if (!t) {
      errors.push(`${path}: schema has no type ${token}`);
      return;
    }
    validateObject(schema, value, t.properties ?? {}, t.required ?? [], path, errors);
    return;
  }
  switch (node.type) {
    case 'string':
      if (typeof value !== 'string') errors.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${path}: expected an integer, got ${JSON.stringify(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') errors.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
      return;
    case 'array':
      if (!Array.isArray(value)) errors.push(`${path}: expected an array`);
      else value.forEach((item, i) => validateValue(schema, item, node.items ?? {}, `${path}[${i}]`, errors));
      return;
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) errors.push(`${path}: expected an object`);
      else if (node.additionalProperties) {
        for (const [k, v] of Object.entries(value)) validateValue(schema, v, node.additionalProperties, `${path}.${k}`, errors);
      }
      return;
    default:
      errors.push(`${path}: schema node without a type`);
  }
}

/** Errors of one resource's inputs (empty when valid). Unknown resource types are errors too. */
export function validateResourceInputs(schema: PackageSchema, type: string, inputs: Record<string, unknown>): string[] {
  const res = schema.resources[type];
  if (!res) return [`${type}: not a resource of the provider schema`];
  const errors: string[] = [];
  validateObject(schema, inputs, res.inputProperties, res.requiredInputs ?? [], type, errors);
  return errors;
}

/** Errors of one function call's inputs (empty when valid). */
export function validateInvokeInputs(schema: PackageSchema, token: string, inputs: Record<string, unknown>): string[] {
  const fn = schema.functions[token];
  if (!fn) return [`${token}: not a function of the provider schema`];
  const errors: string[] = [];
  validateObject(schema, inputs, fn.inputs.properties, fn.inputs.required ?? [], token, errors);
  return errors;
}
