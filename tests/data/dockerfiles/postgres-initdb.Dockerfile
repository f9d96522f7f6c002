FROM postgres:16-bookworm
ENV POSTGRES_DB=inventory \
    POSTGRES_USER=inventory
COPY initdb/*.sql /docker-entrypoint-initdb.d/
COPY --chmod=0644 postgresql.conf /etc/postgresql/postgresql.conf
VOLUME ["/var/lib/postgresql/data"]
STOPSIGNAL SIGINT
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB"
CMD ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"]
