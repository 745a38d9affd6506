/**
 * The container images of the test environment: the same variables as docker-compose.yml, with the
 * official tags as defaults. CI without a registry points them at the stand-ins that
 * .ci/images/build.sh builds (localhost/standin/…).
 */
export interface Images {
  kafka: string;
  postgres: string;
  nginx: string;
}

export const DEFAULT_IMAGES: Images = {
  kafka: 'apache/kafka:3.9.2',
  postgres: 'postgres:17-bookworm',
  nginx: 'nginx:1.28',
};

export function imagesFrom(env: NodeJS.ProcessEnv = process.env): Images {
  return {
    kafka: env.KAFKA_IMAGE || DEFAULT_IMAGES.kafka,
    postgres: env.POSTGRES_IMAGE || DEFAULT_IMAGES.postgres,
    nginx: env.NGINX_IMAGE || DEFAULT_IMAGES.nginx,
  };
}
