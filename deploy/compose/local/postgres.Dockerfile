# PostgreSQL 15 from Debian 12 with the official image's variables (POSTGRES_USER,
# POSTGRES_PASSWORD, POSTGRES_DB), for compose.local.yaml. Not hardened for production.
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o postgres -g postgres /var/lib/postgresql/data /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
CMD ["bash", "/usr/local/bin/postgres-entrypoint.sh"]
