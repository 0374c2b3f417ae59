/**
 * JSON Schema's object and array keywords only bind values of their type: `properties` and
 * `required` pass on a string, `items` and `contains` pass on a number. A rule that says
 * "securityContext must set runAsNonRoot" would then pass on `securityContext: "x"`.
 * The engine closes that gap for every rule, built-in or user's, by making the type those
 * keywords imply explicit wherever a failure means "not compliant" (positive positions).
 * Under a `not`, a vacuous pass of the inner schema already makes the `not` fail, so the
 * implied type is left out there. An `if` is a condition ("if the service runs a database image"):
 * it is closed as a positive schema, so `if: {required: [image]}` is false on a string, and a value
 * of the wrong type never takes the `then` branch (whose closed schema it would fail).
 */

type Schema = Record<string, unknown>;

const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties', 'dependentRequired', 'dependentSchemas'];
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'contains', 'minItems', 'maxItems', 'uniqueItems', 'minContains', 'maxContains'];

/** Keywords whose value is one subschema, applied to the same or a child instance. */
const SINGLE = ['additionalProperties', 'items', 'contains', 'propertyNames', 'then', 'else', 'unevaluatedProperties', 'unevaluatedItems'];
/** Keywords whose value is a list of subschemas. */
const LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
/** Keywords whose value maps names to subschemas. */
const MAPS = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'];

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The type a schema's keywords imply when it states none, or null. */
function impliedType(schema: Schema): string | string[] | null {
  if ('type' in schema || 'const' in schema || 'enum' in schema) return null;
  const object = OBJECT_KEYWORDS.some((k) => k in schema);
  const array = ARRAY_KEYWORDS.some((k) => k in schema);
  if (object && array) return ['object', 'array'];
  return object ? 'object' : array ? 'array' : null;
}

/**
 * A copy of `schema` in which object and array keywords cannot pass on a value of another type.
 * The root is left as it is: which values a rule sees (a container, a document) is decided by its
 * target and match, and a YAML file that is a list (an Ansible playbook) is not a failing resource.
 */
export function closeVacuity<T extends object | boolean>(schema: T): T {
  return transform(schema, true, true) as T;
}

function transform(schema: unknown, positive: boolean, root = false): unknown {
  if (!isSchema(schema)) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'not') out[key] = transform(value, !positive);
    else if (key === 'if') out[key] = transform(value, true);
    else if (SINGLE.includes(key)) out[key] = transform(value, positive);
    else if (LISTS.includes(key) && Array.isArray(value)) out[key] = value.map((v) => transform(v, positive));
    else if (MAPS.includes(key) && isSchema(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, transform(v, positive)]));
    else out[key] = value;
  }
  const implied = positive && !root ? impliedType(schema) : null;
  return implied ? { type: implied, ...out } : out;
}
