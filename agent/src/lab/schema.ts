// The subset of containerlab's topology format the netns runner realizes. Anything outside it is rejected
// (additionalProperties: false) so a lab never silently runs differently here than under containerlab.
const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const env = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } } as const;

const nodeProps = {
  kind: { enum: ['linux'] },
  // Docker image: only meaningful under containerlab; the netns runner ignores it.
  image: { type: 'string' },
  binds: stringList,
  exec: stringList,
  env,
  // Long-running process of the node (the container's command under Docker), started detached in the netns.
  cmd: { type: 'string', minLength: 1 },
  labels: { type: 'object', additionalProperties: { type: 'string' } },
  group: { type: 'string' },
} as const;

export const clabSubsetSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'topology'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,24}$' },
    topology: {
      type: 'object',
      additionalProperties: false,
      required: ['nodes'],
      properties: {
        defaults: { type: 'object', additionalProperties: false, properties: nodeProps },
        kinds: {
          type: 'object',
          propertyNames: { enum: ['linux'] },
          additionalProperties: { type: 'object', additionalProperties: false, properties: nodeProps },
        },
        nodes: {
          type: 'object',
          minProperties: 1,
          propertyNames: { pattern: '^[A-Za-z0-9_-]{1,20}$' },
          additionalProperties: { type: 'object', additionalProperties: false, properties: nodeProps },
        },
        links: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['endpoints'],
            properties: {
              endpoints: {
                type: 'array',
                minItems: 2,
                maxItems: 2,
                items: { type: 'string', pattern: '^[A-Za-z0-9_-]+:[A-Za-z0-9_.-]{1,15}$' },
              },
              mtu: { type: 'integer', minimum: 68, maximum: 65535 },
            },
          },
        },
      },
    },
  },
} as const;
