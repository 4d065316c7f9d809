/** The variables the edge templates use, with what each one means. */
export const EDGE_VARIABLES = {
  CHAT_HOST: 'server name of the chat',
  JENKINS_HOST: 'server name of Jenkins (and its GitHub webhook)',
  REGISTRY_HOST: 'server name of Harbor',
  GRAFANA_HOST: 'server name of Grafana (monitoring stack); optional: without it the Grafana server is not rendered',
  EDGE_HTTP_PORT: 'port nginx listens on for HTTP (80 in the container)',
  EDGE_HTTPS_PORT: 'port nginx listens on for HTTPS (443 in the container)',
  EDGE_APP_UPSTREAM: 'host:port of the chat app',
  EDGE_JENKINS_UPSTREAM: 'host:port of Jenkins',
  EDGE_REGISTRY_UPSTREAM: 'host:port of Harbor',
  EDGE_GRAFANA_UPSTREAM: 'host:port of Grafana (resolved per request by EDGE_RESOLVER)',
  EDGE_TLS_CERT: 'certificate chain file (PEM)',
  EDGE_TLS_KEY: 'private key file (PEM)',
  EDGE_ACME_WEBROOT: "webroot certbot writes HTTP-01 challenges into",
  EDGE_ACCESS_LOG: 'file every server writes its access log to, in the credential-free format (/var/log/nginx/access.log is standard output in the nginx image)',
  EDGE_RESOLVER:
    "the DNS server nginx re-resolves the app's name with; set inside the container to the first nameserver of /etc/resolv.conf (the network's own DNS) by entrypoint.d/16-shagram-edge-resolver.envsh",
} as const;

/** Template variables an entrypoint script sets inside the container (compose does not set them). */
export const ENTRYPOINT_VARIABLES: readonly EdgeVariable[] = ['EDGE_RESOLVER'];

/** Template variables that may be empty: the templates that require them are then left out (grafana.conf). */
export const OPTIONAL_VARIABLES: readonly EdgeVariable[] = ['GRAFANA_HOST'];

/** Names of the edge template variables. */
export type EdgeVariable = keyof typeof EDGE_VARIABLES;

/** Values for every edge template variable. */
export type EdgeEnv = Record<EdgeVariable, string>;

/** The NGINX_ENVSUBST_FILTER the compose file sets: exactly the edge's variables. */
export const EDGE_ENVSUBST_FILTER = '^(CHAT_HOST|JENKINS_HOST|REGISTRY_HOST|GRAFANA_HOST|EDGE_)';

/**
 * Environment for rendering the templates outside a container (the loopback process test): nginx on
 * `http`/`https` ports of 127.0.0.1 in front of the app at `app`, Jenkins/Harbor at `jenkins`/`registry`. Pure.
 */
export function loopbackEdgeEnv(options: {
  httpPort: number;
  httpsPort: number;
  app: string;
  jenkins: string;
  registry: string;
  /** Grafana's host:port (default: a closed port; the Grafana server is rendered only with `hosts.grafana`). */
  grafana?: string;
  tlsDir: string;
  webroot: string;
  /** The access log file (default: standard output). */
  accessLog?: string;
  hosts?: { chat: string; jenkins: string; registry: string; grafana?: string };
  /** DNS servers for the resolver directive; never asked while every upstream is an IP address. */
  resolver?: string;
}): EdgeEnv {
  const hosts = options.hosts ?? { chat: 'chat.shagram.test', jenkins: 'jenkins.shagram.test', registry: 'registry.shagram.test' };
  return {
    CHAT_HOST: hosts.chat,
    JENKINS_HOST: hosts.jenkins,
    REGISTRY_HOST: hosts.registry,
    GRAFANA_HOST: hosts.grafana ?? '',
    EDGE_HTTP_PORT: `127.0.0.1:${options.httpPort}`,
    EDGE_HTTPS_PORT: `127.0.0.1:${options.httpsPort}`,
    EDGE_APP_UPSTREAM: options.app,
    EDGE_JENKINS_UPSTREAM: options.jenkins,
    EDGE_REGISTRY_UPSTREAM: options.registry,
    EDGE_GRAFANA_UPSTREAM: options.grafana ?? '127.0.0.1:9',
    EDGE_TLS_CERT: `${options.tlsDir}/fullchain.pem`,
    EDGE_TLS_KEY: `${options.tlsDir}/privkey.pem`,
    EDGE_ACME_WEBROOT: options.webroot,
    EDGE_ACCESS_LOG: options.accessLog ?? '/dev/stdout',
    EDGE_RESOLVER: options.resolver ?? '127.0.0.1',
  };
}
