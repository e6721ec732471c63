# syntax=docker/dockerfile:1
#
# One image for every role of Gozon: gateway, orders, payments and the one-time migration step.
# SERVICES picks the role, exactly as in `npm run stack` (see docker-compose.yml).
#
# The image runs the TypeScript sources with tsx, `node --import tsx bin/gozon.ts`, the same
# command `npm run stack` and the crash tests use, instead of a compiled copy:
#   - one code path: what runs in a container is what the tests ran, with no build output that
#     can drift from the sources (no second module layout, no copied assets);
#   - some modules read files next to their source at run time (the GraphiQL and Swagger UI
#     bootstraps in infra/), which a compile step would have to copy by hand;
#   - tsx is already a production dependency (it is what `npm start` runs); its cost is a
#     one-time transform of each module at start (about a second, cached under /tmp).
# Type checking happens in CI (`npm test` starts with `tsc --noEmit`), not in the image.

ARG NODE_VERSION=24

# Stage 1: production dependencies only. No Jest, TypeScript, Playwright or the `node` binary
# package that the dev tooling uses; the npm cache stays in the build cache, not in a layer.
FROM node:${NODE_VERSION}-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# Stage 2: the runtime. Node and the application, owned by root and run as the unprivileged
# `node` user, so the process cannot change its own code.
FROM node:${NODE_VERSION}-alpine AS runtime
# npm, npx, yarn and corepack are not needed to run node; without them the image is smaller and
# carries fewer packages to patch.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
	/usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
ENV NODE_ENV=production \
	LOG_FORMAT=json \
	METRICS_PORT=3030
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json moleculer.config.ts ./
COPY bin ./bin
COPY domain ./domain
COPY infra ./infra
COPY migrations ./migrations
COPY mixins ./mixins
COPY public ./public
COPY scripts ./scripts
COPY services ./services
USER node
# 3000: the gateway's HTTP port (PORT); 3030: Prometheus metrics (METRICS_PORT), on every node.
EXPOSE 3000 3030
CMD ["node", "--import", "tsx", "bin/gozon.ts"]
