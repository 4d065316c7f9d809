/**
 * The chat's Ingresses as generated (the IngressEdge component under Pulumi mocks), read the way ingress-nginx
 * turns them into nginx locations: which request paths reach the deny rule for /metrics.
 */
import * as pulumi from '@pulumi/pulumi';
import { IngressEdge } from '../k8s/components/ingress-edge';
import { ingressNginxLocation, locationMatches, metricsDenyAnnotations } from '../k8s/spec/ingress';
import { unwrapSecrets, valueOf } from './harness';

interface Seen {
  type: string;
  inputs: Record<string, any>;
}
type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';
interface Location {
  ingress: string;
  location: string;
  denied: boolean;
}

let seen: Seen[];
beforeAll(async () => {
  seen = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        seen.push({ type: args.type, inputs: unwrapSecrets(args.inputs) as Record<string, any> });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call(args) {
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    'shagram',
    'ingress-spec',
    false,
  );
  const edge = new IngressEdge('shagram', { namespace: 'shagram', host: 'chat.k8s.test', ingressClass: 'nginx', clusterIssuer: 'le', serviceName: 'shagram', servicePort: 8080 });
  await Promise.all([edge.ingress.id, edge.metricsIngress.id].map(valueOf));
});

/** Every nginx location of the host, longest path first (the order ingress-nginx writes them in). */
function locations(): Location[] {
  const ingresses = seen.filter((s) => s.type === 'kubernetes:networking.k8s.io/v1:Ingress');
  const hostUsesRegex = ingresses.some((i) => i.inputs.metadata.annotations?.['nginx.ingress.kubernetes.io/use-regex'] === 'true');
  return ingresses
    .flatMap((i) =>
      (i.inputs.spec.rules[0].http.paths as Array<{ path: string; pathType: PathType }>).map((p) => ({
        ingress: i.inputs.metadata.name as string,
        path: p.path,
        location: ingressNginxLocation(p.path, p.pathType, hostUsesRegex),
        denied: i.inputs.metadata.annotations?.['nginx.ingress.kubernetes.io/denylist-source-range'] === '0.0.0.0/0,::/0',
      })),
    )
    .sort((a, b) => b.path.length - a.path.length);
}

/** The location nginx picks for `requestPath`: `=` first, then regular expressions in order, then the longest prefix. */
function pick(requestPath: string): Location | undefined {
  const all = locations();
  const exact = all.find((l) => l.location.startsWith('= ') && locationMatches(l.location, requestPath));
  if (exact) return exact;
  const regex = all.find((l) => l.location.startsWith('~*') && locationMatches(l.location, requestPath));
  if (regex) return regex;
  return all.filter((l) => !l.location.startsWith('=') && !l.location.startsWith('~') && locationMatches(l.location, requestPath))[0];
}

describe('the /metrics deny rule of the generated Ingresses', () => {
  test('asks ingress-nginx for case-insensitive regular-expression locations', () => {
    expect(metricsDenyAnnotations()['nginx.ingress.kubernetes.io/use-regex']).toBe('true');
    expect(locations().map((l) => [l.ingress, l.location])).toEqual([
      ['shagram-metrics', '~* "^/metrics"'],
      ['shagram', '~* "^/"'],
    ]);
  });

  test.each(['/metrics', '/METRICS', '/Metrics', '/mEtRiCs', '/metrics/', '/metrics/x'])('%s is denied', (p) => {
    expect(pick(p)).toMatchObject({ ingress: 'shagram-metrics', denied: true });
  });

  test.each(['/', '/api/rooms', '/ws/general', '/healthz', '/app.js'])('%s goes to the chat', (p) => {
    expect(pick(p)).toMatchObject({ ingress: 'shagram', denied: false });
  });

  test('the model of ingress-nginx: without use-regex an Exact path is "=" (and /METRICS would pass)', () => {
    expect(ingressNginxLocation('/metrics', 'Exact', false)).toBe('= /metrics');
    expect(locationMatches('= /metrics', '/METRICS')).toBe(false);
    expect(ingressNginxLocation('/', 'Prefix', false)).toBe('/');
    expect(locationMatches('~* "^/metrics"', '/METRICS')).toBe(true);
  });
});
