FROM postgres:16
VOLUME /var/lib/postgresql/data
VOLUME ["/var/log/app", "/var/cache/app"]
VOLUME /one /two
EXPOSE 5432 5433/udp
USER postgres:postgres
STOPSIGNAL SIGINT
