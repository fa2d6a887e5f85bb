# Entente as a container: `docker build -t entente .`; docs/deploy.md runs two of these behind one address.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY src ./src
COPY web ./web
COPY tsconfig.json ./
# The build runs in `prepare`; no package here needs an install script.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev && chown -R node:node /app
USER node
ENV HOST=0.0.0.0 PORT=4100 ENTENTE_DATA=/home/node/data
EXPOSE 4100
CMD ["node", "dist/entente.js", "serve"]
