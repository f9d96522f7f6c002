FROM node:20 AS deps
WORKDIR /app
COPY package*.json ./
RUN npm ci

FROM deps AS test
COPY . .
RUN npm test

FROM deps AS lint
COPY . .
RUN npm run lint

FROM node:20-slim AS release
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=0 /app/package.json ./
COPY . .
CMD ["node", "index.js"]
