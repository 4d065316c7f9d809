/**
 * The system lane's containers run under this machine's hard limit of 20,000 open files per process, which no one
 * here can raise: a container asking for the production default (`ulimits: nofile` 65,536 in chat/ and nginx/
 * compose files) would fail to start ("error setting rlimit type 7: operation not permitted"). The compose files read
 * CONTAINER_NOFILE (default 65,536, what a VPS's dockerd grants); Compose takes a variable from its environment
 * before `.env`, so every compose command a test starts gets this lower value. Loaded by jest's system project.
 */
export const TEST_CONTAINER_NOFILE = '16384';
process.env.CONTAINER_NOFILE ??= TEST_CONTAINER_NOFILE;
