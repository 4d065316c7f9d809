/**
 * The Lua script of the Redis fan-out's presence protocol, and the shape of its reply. One script call reads the
 * union inputs for several rooms in one atomic step and prunes replicas whose presence hash expired.
 *
 * KEYS[1]: the set of replica ids; ARGV[1]: the prefix of the replicas' presence hashes; ARGV[2..]: the rooms.
 * Reply: one list per room of the raw hash values (JSON arrays of users) of the replicas still alive.
 */
export const READ_PRESENCE = `
local ids = redis.call('SMEMBERS', KEYS[1])
local live = {}
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then
    live[#live + 1] = id
  else
    redis.call('SREM', KEYS[1], id)
  end
end
local out = {}
for i = 2, #ARGV do
  local values = {}
  for _, id in ipairs(live) do
    local value = redis.call('HGET', ARGV[1] .. id, ARGV[i])
    if value then values[#values + 1] = value end
  end
  out[#out + 1] = values
end
return out
`;

/** The script's reply as one list of raw hash values per room; undefined when it has another shape. */
export function scriptValues(reply: unknown, rooms: number): unknown[][] | undefined {
  if (!Array.isArray(reply) || reply.length !== rooms) return undefined;
  if (!reply.every((values) => Array.isArray(values))) return undefined;
  return reply as unknown[][];
}
