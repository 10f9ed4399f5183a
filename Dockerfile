# syntax=docker/dockerfile:1
# The operator image: `docker build -t ontap-kms-operator:0.1.0 .`
# Build stage: the whole toolchain, compiles src/ to dist/ (tsconfig.build.json: rootDir src).
# Runtime stage: Node, production dependencies from the lockfile, dist/ and bin/; runs as 65532.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first, so that a source change reuses this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="ontap-kms-operator" \
      org.opencontainers.image.description="Kubernetes operator for NetApp ONTAP's AWS KMS configuration" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# Owned by root and read-only to the process: the chart also mounts the root filesystem read-only.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=build /src/dist ./dist
# The numeric uid/gid the chart's securityContext expects (runAsNonRoot needs a numeric USER).
USER 65532:65532
# 8443 /metrics (HTTPS; --metrics-secure=false for plain HTTP), 8081 /healthz and /readyz.
EXPOSE 8443 8081
ENTRYPOINT ["node", "dist/main.js"]
