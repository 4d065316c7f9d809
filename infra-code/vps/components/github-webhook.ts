/** The repository webhook that triggers the Jenkins pipeline on a push (see plan/github-webhook.ts). */
import * as github from '@pulumi/github';
import * as pulumi from '@pulumi/pulumi';
import { webhookSpec, type GithubRepository } from '../../plan/github-webhook';

/** Inputs of `GithubWebhook`. */
export interface GithubWebhookArgs {
  repository: GithubRepository;
  /** A token that may administer the repository's hooks (fine-grained: "Webhooks: read and write"). */
  token: pulumi.Input<string>;
  jenkinsHost: string;
  /** The shared secret Jenkins checks X-Hub-Signature-256 with. */
  secret: pulumi.Input<string>;
}

/** A `push` webhook on the repository to `https://<jenkins>/github-webhook/`, signed with the shared secret. */
export class GithubWebhook extends pulumi.ComponentResource {
  readonly hook: github.RepositoryWebhook;

  /** Registers the provider (owner and token of this repository) and the hook. */
  constructor(name: string, args: GithubWebhookArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:infra:GithubWebhook', name, {}, opts);
    const provider = new github.Provider(`${name}-provider`, { owner: args.repository.owner, token: pulumi.secret(args.token) }, { parent: this });
    const spec = webhookSpec(args.jenkinsHost);
    this.hook = new github.RepositoryWebhook(
      name,
      {
        repository: args.repository.name,
        active: true,
        events: spec.events,
        configuration: { url: spec.url, contentType: spec.contentType, insecureSsl: spec.insecureSsl, secret: pulumi.secret(args.secret) },
      },
      { parent: this, provider },
    );
    this.registerOutputs({});
  }
}
