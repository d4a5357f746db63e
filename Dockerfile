# The Atrium room server. Two stages: `build` installs the workspace, builds and packs the
# packages exactly as they would be published; the runtime stage installs those tarballs with
# their production dependencies only and runs as the unprivileged `node` user.
#
#   docker build -t atrium .
#   docker run -p 8800:8800 -e ATRIUM_APPS=1234567890:<32-character secret> atrium
#   docker run -p 8800:8800 -v $PWD/atrium.json:/etc/atrium/atrium.json:ro atrium serve --config /etc/atrium/atrium.json
#
# Configuration: a JSON file given with --config, ATRIUM_* environment variables (over the
# file), flags (over both); docs/operations.md lists them all. The image sets ATRIUM_HOST and
# ATRIUM_PORT so the server listens on every interface of the container, on port 8800.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# The manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/token/package.json packages/token/
COPY packages/sdk/package.json packages/sdk/
COPY packages/server/package.json packages/server/
COPY apps/demo/package.json apps/demo/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages packages
# prepack builds each package (tsc, and the SDK's browser build).
RUN mkdir /pack \
 && npm pack --pack-destination /pack \
      -w @atrium/protocol -w @atrium/token -w @atrium/sdk -w @atrium/server

FROM node:20-bookworm-slim AS install
WORKDIR /app
COPY --from=build /pack /pack
RUN echo '{"name":"atrium-image","private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund --no-package-lock \
      /pack/atrium-protocol-*.tgz /pack/atrium-token-*.tgz /pack/atrium-sdk-*.tgz /pack/atrium-server-*.tgz \
 && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    ATRIUM_HOST=0.0.0.0 \
    ATRIUM_PORT=8800 \
    PATH=/app/node_modules/.bin:$PATH
WORKDIR /app
# Owned by root and read-only to the server's user.
COPY --from=install /app /app
USER node
EXPOSE 8800
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ATRIUM_PORT || 8800) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["atrium"]
CMD ["serve"]
