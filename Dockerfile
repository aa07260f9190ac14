# syntax=docker/dockerfile:1
# The production image of the gateway: `docker build -t yieldflow .`
#
# Two stages: `build` installs every dependency and compiles dist/; the runtime stage
# installs the runtime dependencies only (npm ci --omit=dev) and copies dist/ over, so
# no compiler, test or source file ships. test/deploy/image.test.ts runs these steps in
# a clean folder (no Docker engine on the CI machines) and starts the result.
#
# Node 24 is the newest LTS line the suite runs on (CI tests 20, 22 and 24).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json codegen.yml schema.graphql ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
COPY examples ./examples
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: it forwards SIGTERM to node (which drains, then exits 0) and reaps.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache is a build cache mount, not a layer of the image. --omit=optional as
# well: the compiler and the Prisma CLI are optional peers of @prisma/client, which npm
# would install (the only other optional packages, pg-cloudflare and @emotion's, are
# not used on Node).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY prisma ./prisma
COPY public ./public
COPY examples ./examples
# The image's own user (uid 1000 in node images): nothing runs as root.
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/index.js"]
