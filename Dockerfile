# dataverse-ensure: the compiled build (npm run build → dist/) on Node 20, production dependencies only.
# Build: docker build -t dataverse-ensure .      Run: see README.md, "Deploy" (and compose.yaml).
# The same steps run without Docker in test/deploy/dist-build.test.ts.

# --- build: every dependency, compile, then drop the development ones ---------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# The manifests first, so the install layer is reused while only sources change. The PCF workspaces'
# manifests are part of the lockfile; their sources are needed for the preview bundle.
COPY package.json package-lock.json ./
COPY pcf-control/pending-stubs/package.json pcf-control/pending-stubs/
COPY pcf-control/hydration-status/package.json pcf-control/hydration-status/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- run --------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The data folder (generated API keys; the embedded queue's PGlite when DATABASE_URL is not set) belongs
# to the unprivileged `node` user of the base image; the code stays root-owned and read-only to it.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# /health answers without an API key; node's own fetch, as the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# Exec form: node is PID 1 and gets SIGTERM from `docker stop` itself (it stops cleanly, exit 0, within
# the 10 s default; give `--stop-timeout` / `stop_grace_period` more when operations may be in flight).
# Node reaps no orphaned children as PID 1; the service starts none in production (`docker run --init`
# adds tini if you want it anyway).
CMD ["node", "dist/main.js"]
