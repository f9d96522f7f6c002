FROM ruby:3.3-alpine
WORKDIR /app
ONBUILD RUN <<EOF
bundle config set --local without development
bundle install
EOF
ONBUILD COPY --chown=app:app . /app
ONBUILD HEALTHCHECK CMD wget -qO- http://localhost:9292/ || exit 1
