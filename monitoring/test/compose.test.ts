import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parseDotEnv } from '../../test/compose/interpolate';
import { parseMount } from '../../test/compose/semantic-checks';
import { validateComposeFile } from '../../test/compose/validate-compose';
import { CONTAINER_RULES_DIR, MONITORING_DIR, PROMETHEUS_TEMPLATE, removeTempDirs, renderConfig, SAMPLE_ENV } from './monitoring-files';

interface Service {
  image: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
  expose?: string[];
  ports?: unknown[];
}

const composeFile = path.join(MONITORING_DIR, 'compose.yaml');
const rawText = fs.readFileSync(composeFile, 'utf8');
const services = (validateComposeFile(composeFile).document.services ?? {}) as Record<string, Service>;
const mount = (service: Service, target: string) => (service.volumes ?? []).map(parseMount).find((m) => m.target === target);
const networksOf = (service: Service) => (Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {}));

afterAll(removeTempDirs);

describe('monitoring/compose.yaml', () => {
  it('pins every image by an exact version tag and publishes no port', () => {
    expect(Object.keys(services).sort()).toEqual(['alertmanager', 'blackbox', 'cadvisor', 'grafana', 'node-exporter', 'prometheus']);
    for (const [name, service] of Object.entries(services)) {
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/) });
      expect(service.ports).toBeUndefined();
    }
  });

  it('lists every variable it uses in .env.example', () => {
    const used = [...new Set([...rawText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1] as string))].sort();
    const example = parseDotEnv(fs.readFileSync(path.join(MONITORING_DIR, '.env.example'), 'utf8'));
    expect(used.filter((name) => !(name in example))).toEqual([]);
  });

  it('lets Prometheus reach every target of its configuration on a network it shares with it', () => {
    const doc = YAML.parse(fs.readFileSync(renderConfig(PROMETHEUS_TEMPLATE, SAMPLE_ENV), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }>; relabel_configs?: Array<{ replacement?: string }> }>;
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    };
    const addresses = [
      ...doc.scrape_configs.filter((job) => !job.relabel_configs).flatMap((job) => job.static_configs.flatMap((c) => c.targets)),
      ...doc.scrape_configs.flatMap((job) => (job.relabel_configs ?? []).map((rule) => rule.replacement ?? '')).filter((r) => r.includes(':')),
      ...doc.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets)),
    ];
    const prometheusNetworks = networksOf(services.prometheus!);
    for (const address of addresses) {
      const [host, port] = address.split(':') as [string, string];
      if (host === 'localhost') continue;
      if (host === 'shagram-app') {
        expect(prometheusNetworks).toContain('edge');
        continue;
      }
      const service = services[host];
      expect({ address, service: service !== undefined }).toEqual({ address, service: true });
      expect(service!.expose).toContain(port);
      expect(networksOf(service!).some((network) => prometheusNetworks.includes(network))).toBe(true);
    }
    // The readiness probe reaches the app: blackbox is on the edge network too.
    expect(networksOf(services.blackbox!)).toContain('edge');
  });

  it('starts Prometheus and Alertmanager through render-config.sh with their templates and the rules mounted where the configuration reads them', () => {
    const prometheus = services.prometheus!;
    expect(prometheus.entrypoint).toEqual(['/bin/sh', '/etc/shagram/render-config.sh']);
    expect(mount(prometheus, '/etc/shagram/render-config.sh')).toMatchObject({ source: './render-config.sh', readOnly: true });
    expect(mount(prometheus, prometheus.command![0]!)).toMatchObject({ source: './prometheus/prometheus.yml.template', readOnly: true });
    expect(prometheus.command!.slice(1, 3)).toEqual(['/run/shagram/prometheus.yml', '/bin/prometheus']);
    expect(prometheus.command).toContain('--config.file=/run/shagram/prometheus.yml');
    expect(mount(prometheus, CONTAINER_RULES_DIR)).toMatchObject({ source: './prometheus/rules', readOnly: true });
    for (const name of ['SHAGRAM_APP_TARGET', 'CHAT_HOST', 'JENKINS_HOST', 'REGISTRY_HOST']) expect(prometheus.environment?.[name]).toBeTruthy();
    const alertmanager = services.alertmanager!;
    expect(alertmanager.entrypoint).toEqual(['/bin/sh', '/etc/shagram/render-config.sh']);
    expect(alertmanager.command![0]).toBe('/etc/shagram/alertmanager/telegram.yml.template');
    expect(alertmanager.command).toContain('--config.file=/run/shagram/alertmanager.yml');
    expect(fs.statSync(path.join(MONITORING_DIR, 'render-config.sh')).mode & 0o111).not.toBe(0);
  });

  it('puts Grafana on the edge network as shagram-grafana, with its login, and its provisioning where Grafana reads it', () => {
    const grafana = services.grafana!;
    expect((grafana.networks as Record<string, { aliases?: string[] }>).edge?.aliases).toEqual(['shagram-grafana']);
    expect(grafana.expose).toEqual(['3000']);
    expect(grafana.environment).toMatchObject({ GF_AUTH_ANONYMOUS_ENABLED: 'false', GF_USERS_ALLOW_SIGN_UP: 'false', GF_SERVER_ROOT_URL: 'https://grafana.example.com/' });
    expect(rawText).toMatch(/GF_SECURITY_ADMIN_PASSWORD: \$\{GRAFANA_ADMIN_PASSWORD:\?/);
    expect(mount(grafana, '/etc/grafana/provisioning')).toMatchObject({ source: './grafana/provisioning', readOnly: true });
    const provider = YAML.parse(fs.readFileSync(path.join(MONITORING_DIR, 'grafana', 'provisioning', 'dashboards', 'shagram.yml'), 'utf8'));
    expect(mount(grafana, provider.providers[0].options.path)).toMatchObject({ source: './grafana/dashboards', readOnly: true });
    // The edge proxies GRAFANA_HOST to the same alias and port.
    const edge = YAML.parse(fs.readFileSync(path.join(MONITORING_DIR, '..', 'nginx', 'compose.yaml'), 'utf8'));
    expect(edge.services.nginx.environment.EDGE_GRAFANA_UPSTREAM).toBe('shagram-grafana:3000');
  });

  it("mounts the backup job's textfile folder read-only into node-exporter's textfile collector", () => {
    const node = services['node-exporter']!;
    const textfile = mount(node, '/textfile');
    expect(textfile).toMatchObject({ source: '/opt/shagram/metrics', readOnly: true });
    expect(node.command).toContain('--collector.textfile.directory=/textfile');
  });
});
