ARG ELIXIR_VERSION=1.16.1
ARG OTP_VERSION=26.2.2
ARG DEBIAN_VERSION=bookworm-20240130-slim
ARG BUILDER_IMAGE="hexpm/elixir:${ELIXIR_VERSION}-erlang-${OTP_VERSION}-debian-${DEBIAN_VERSION}"
ARG RUNNER_IMAGE="debian:${DEBIAN_VERSION}"

FROM ${BUILDER_IMAGE} as builder
RUN mix local.hex --force && mix local.rebar --force
ENV MIX_ENV="prod"
WORKDIR /app
COPY mix.exs mix.lock ./
RUN mix deps.get --only $MIX_ENV
COPY lib lib
RUN mix release

FROM ${RUNNER_IMAGE}
WORKDIR "/app"
RUN chown nobody /app
COPY --from=builder --chown=nobody:root /app/_build/${MIX_ENV}/rel/beacon ./
USER nobody
CMD ["/app/bin/server"]
