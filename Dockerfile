# One image for the five roles of the stack, chosen by the command:
#   docker run IMAGE gateway | marketplace | payments | registry | footprints | migrate
# The servers run from their build (scripts/build.ts: one minified module each, a third less memory
# than the TypeScript sources); the migrate job runs its source on Node.js 24's type stripping. The
# first stage builds dist/ with the development dependencies, the second installs the production
# ones (native ones compiled there), and the last holds only them, the build and the sources the
# servers read at run time, and runs as the unprivileged `node` user.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY schema ./schema
COPY lib ./lib
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY upstreams ./upstreams
COPY demo ./demo
COPY scripts ./scripts
RUN node scripts/build.ts

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/tmp/carbon LOG_LEVEL=info
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY schema ./schema
COPY lib ./lib
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY upstreams ./upstreams
COPY demo ./demo
COPY scripts/role scripts/migrate.ts ./scripts/
USER node
EXPOSE 4000 4001 4002 4003 4004
ENTRYPOINT ["scripts/role"]
CMD ["gateway"]
