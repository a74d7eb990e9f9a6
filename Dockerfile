# syntax=docker/dockerfile:1
# Built and run on Node 24, an LTS line (the code runs on 20.19+ as well: package.json engines).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# the manifests first, so that the install layer is reused while only sources change
COPY package.json package-lock.json ./
COPY packages/ript/package.json ./packages/ript/
COPY packages/sdk/package.json ./packages/sdk/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json tsconfig.build.json nest-cli.json ./
COPY packages ./packages
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
COPY bench ./bench
# prune keeps the workspace links node_modules/@riptrunk/* -> packages/*: production dependencies of the server
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production RIPTRUNK_DATA_DIR=/var/lib/riptrunk
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
# what the workspace links point at: each package's manifest and its built code
COPY --from=build --chown=node:node /app/packages/ript/package.json ./packages/ript/
COPY --from=build --chown=node:node /app/packages/ript/dist ./packages/ript/dist
COPY --from=build --chown=node:node /app/packages/sdk/package.json ./packages/sdk/
COPY --from=build --chown=node:node /app/packages/sdk/dist ./packages/sdk/dist
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /var/lib/riptrunk && chown node:node /var/lib/riptrunk
USER node
EXPOSE 8443 9443
CMD ["node", "--enable-source-maps", "dist/src/control-plane/main.js"]
