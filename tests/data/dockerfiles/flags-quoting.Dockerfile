FROM alpine
RUN addgroup -S "app group" || true
COPY --chown="app user:app group" --chmod='0640' -- config.yml /etc/app/
COPY -- --dashed-name /opt/
ADD --link=true --chown=1000:1000 archive.tar /srv/
