# syntax=docker/dockerfile:1
#
# Switchyard server image.
#   docker build -t switchyard-server .
#   docker run -p 7400:7400 -v switchyard-data:/data switchyard-server
# Without DATABASE_URL the server stores its data with PGlite under /data (a volume);
# set DATABASE_URL to use Postgres instead. On first start without SWITCHYARD_ADMIN_TOKEN
# the server prints a generated admin token once to stdout (docker logs).

# ---------------------------------------------------------------------------
# base: npm that understands the lockfile, plus every workspace manifest.
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS base
# package-lock.json is written by npm 11; the npm 10 bundled with Node 20 rejects it in
# `npm ci` ("Missing: esbuild@0.28.2 from lock file"), so install the npm the repo uses.
ARG NPM_VERSION=11.19.1
RUN npm install --global "npm@${NPM_VERSION}" --no-audit --no-fund \
 && npm cache clean --force
WORKDIR /app
# Manifests first so the dependency layers stay cached until they change. Every
# workspace's package.json must be present for npm ci to match the lockfile.
COPY package.json package-lock.json ./
COPY core/package.json core/
COPY sdk-node/package.json sdk-node/
COPY server/package.json server/
COPY bench/package.json bench/

# ---------------------------------------------------------------------------
# build: all dependencies (dev included), then build core, sdk-node and server.
# ---------------------------------------------------------------------------
FROM base AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY core/ core/
COPY sdk-node/ sdk-node/
COPY server/ server/
# Produces server/dist/main.js (ESM; @switchyard/core bundled, npm dependencies external).
RUN npm run build

# ---------------------------------------------------------------------------
# prod-deps: only the server workspace's production dependencies.
# ---------------------------------------------------------------------------
FROM base AS prod-deps
RUN npm ci --omit=dev --workspace server --include-workspace-root=false --no-audit --no-fund

# ---------------------------------------------------------------------------
# runtime: production node_modules, the server bundle and the migrations.
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app

COPY --from=prod-deps /app/node_modules/ node_modules/
# package.json files: "type": "module" for the bundle, and the targets of the
# node_modules/@switchyard/{core,server} workspace links. core's code is bundled into
# server/dist, so its sources are not needed.
COPY package.json ./
COPY core/package.json core/
COPY server/package.json server/
COPY --from=build /app/server/dist/ server/dist/
# The server would also find this by walking up from server/dist; the variable makes it explicit.
COPY migrations/ migrations/

# Data directory (PGlite files and the data-dir lock), writable by the non-root user.
RUN mkdir -p /data && chown node:node /data

ENV HOST=0.0.0.0 \
    PORT=7400 \
    SWITCHYARD_DATA_DIR=/data \
    SWITCHYARD_MIGRATIONS_DIR=/app/migrations

USER node
EXPOSE 7400
VOLUME /data

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||7400)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"

# node runs as PID 1 and handles SIGTERM itself (graceful shutdown within 10 s).
CMD ["node", "server/dist/main.js"]
