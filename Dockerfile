# Nexo in a small image: `nexo server` with the config and certificates on a volume.
#
#   docker build -t nexo .
#   docker run -d --name nexo -p 443:443 -v ~/.nexo:/etc/nexo nexo
#
# The config is read from /etc/nexo/config.yaml; set `base_dir: /etc/nexo` in it (as in the
# original nexo's example) so certificates are kept on the volume across restarts.
# Not exercised by CI (no Docker on the build machine).

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9
COPY . .
RUN pnpm install --frozen-lockfile \
  && pnpm --filter nexo... build \
  && pnpm --filter nexo deploy --prod --legacy /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    NEXO_CONFIG=/etc/nexo/config.yaml
COPY --from=build /out /opt/nexo
# The volume must be writable by uid 1000 (`node`): certificates and locks are stored there.
# Docker lets unprivileged processes bind 443 (net.ipv4.ip_unprivileged_port_start=0).
USER node
VOLUME ["/etc/nexo"]
EXPOSE 443 80
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/nexo/dist/cli.js"]
CMD ["server"]
