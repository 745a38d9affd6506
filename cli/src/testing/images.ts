/**
 * Container images: the variables docker-compose.yml uses, with the official tags as defaults. CI
 * without a registry points them at the stand-ins that .ci/images/build.sh builds (localhost/…).
 */
export interface Images {
  /** hookpipe's own image (`./Dockerfile`): the sender, handler, consumer and init job. */
  hookpipe: string;
  kafka: string;
  postgres: string;
  nginx: string;
}

/** What compose and the kit use when no variable says otherwise. */
export const DEFAULT_IMAGES: Images = {
  hookpipe: 'hookpipe:latest',
  kafka: 'apache/kafka:3.9.2',
  postgres: 'postgres:17-bookworm',
  nginx: 'nginx:1.28',
};

/**
 * The images to run: `HOOKPIPE_IMAGE`, `KAFKA_IMAGE`, `POSTGRES_IMAGE`, `NGINX_IMAGE` from `env`
 * (an empty value counts as unset), else the official tags.
 */
export function imagesFrom(env: NodeJS.ProcessEnv = process.env): Images {
  return {
    hookpipe: env.HOOKPIPE_IMAGE || DEFAULT_IMAGES.hookpipe,
    kafka: env.KAFKA_IMAGE || DEFAULT_IMAGES.kafka,
    postgres: env.POSTGRES_IMAGE || DEFAULT_IMAGES.postgres,
    nginx: env.NGINX_IMAGE || DEFAULT_IMAGES.nginx,
  };
}
