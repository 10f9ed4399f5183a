# syntax=docker/dockerfile:1
# The operator image: `make image` (docker, podman or buildah, whichever is present).
# Build stage: the whole toolchain, compiles src/ to dist/ (tsconfig.build.json: rootDir src).
# Runtime stage: Node without its package managers, production dependencies from the lockfile,
# the operator's part of dist/; runs as 65532.
#
# Behind a TLS-intercepting proxy, pass its CA bundle as the build secret `ca`; it is mounted for
# the npm steps only and never lands in a layer:
#   docker build --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt .
# Node.js 24 LTS (tools/node/versions.sh pins the same line for make and CI) on Debian 13 trixie,
# the suite of the official node:24-slim tag.
ARG NODE_IMAGE=node:24-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first, so that a source change reuses this layer. npm ci has been seen to print
# "Exit handler never called!" and exit 0 with node_modules half filled: `npm ls` fails then.
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca,target=/run/secrets/ca.crt \
    if [ -s /run/secrets/ca.crt ]; then export npm_config_cafile=/run/secrets/ca.crt; fi; \
    npm ci --no-audit --no-fund && npm ls >/dev/null
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# ontap-sim, the test control plane and the demo are test tooling: not in the production image.
RUN npm run build && rm -rf dist/simulator dist/testenv dist/demo

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Type declarations and source maps of dependencies are never read at run time.
RUN --mount=type=secret,id=ca,target=/run/secrets/ca.crt \
    if [ -s /run/secrets/ca.crt ]; then export npm_config_cafile=/run/secrets/ca.crt; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm ls --omit=dev >/dev/null \
    && npm cache clean --force \
    && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete

# The runtime's root filesystem: the Node image without npm, npx, corepack and yarn (the official
# image has all four; the operator needs none of them at run time, and each is code an attacker
# could run and a scanner reports). Deleting them in the runtime stage itself would only hide
# them behind whiteouts: the base layers would still carry them. So this stage deletes them, and
# the runtime stage starts from scratch with a copy of what is left: the files are absent from
# every layer of the image. The price is that the image shares no layer with the Node base.
# C headers go too: they only serve native add-ons, built (if ever) by npm in the other stages.
FROM ${NODE_IMAGE} AS runtime-base
RUN rm -rf /usr/local/lib/node_modules /usr/local/include/node /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
    && node --version

FROM scratch
COPY --from=runtime-base / /
LABEL org.opencontainers.image.title="ontap-kms-operator" \
      org.opencontainers.image.description="Kubernetes operator for NetApp ONTAP's AWS KMS configuration" \
      org.opencontainers.image.licenses="Apache-2.0"
# No --enable-source-maps: it parses every map at start (about 20 MB), and dist/ reads well
# enough in a stack trace. The chart sets NODE_OPTIONS (the V8 heap limit) from its values.
# FROM scratch starts with no environment: PATH is the Node image's.
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the process: the chart also mounts the root filesystem read-only.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin/ontap-kms-operator.js ./bin/
COPY --from=build /src/dist ./dist
# The numeric uid/gid the chart's securityContext expects (runAsNonRoot needs a numeric USER).
USER 65532:65532
# 8443 /metrics (HTTPS; --metrics-secure=false for plain HTTP), 8081 /healthz and /readyz.
EXPOSE 8443 8081
ENTRYPOINT ["node", "dist/main.js"]
