/** The Shagram app image: built from app/Dockerfile (context: repository root) and pushed to Harbor. */
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';

/** Inputs of `AppImage`. */
export interface AppImageArgs {
  /** Full reference `${REGISTRY_HOST}/shagram/shagram:<git-sha>`. */
  imageName: string;
  registryHost: string;
  /** Repository root (build context). */
  context: string;
  username: pulumi.Input<string>;
  /** Secret. */
  password: pulumi.Input<string>;
}

/** Builds and pushes the app image; `imageName` resolves once the push is done. */
export class AppImage extends pulumi.ComponentResource {
  readonly image: docker.Image;
  /** The pushed reference (exactly the tag the Shagram stack deploys). */
  readonly imageName: pulumi.Output<string>;

  /** Registers the image build and push. */
  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:infra:AppImage', name, {}, opts);
    this.image = new docker.Image(
      `${name}-image`,
      {
        imageName: args.imageName,
        build: { context: args.context, dockerfile: `${args.context}/app/Dockerfile`, platform: 'linux/amd64' },
        registry: { server: args.registryHost, username: args.username, password: pulumi.secret(args.password) },
      },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.imageName = this.image.imageName;
    this.registerOutputs({ imageName: this.imageName });
  }
}
