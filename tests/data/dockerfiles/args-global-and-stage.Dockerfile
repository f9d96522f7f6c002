ARG REGISTRY=docker.io
ARG BASE_TAG=bookworm
ARG VERSION

FROM ${REGISTRY}/library/debian:${BASE_TAG} AS base
ARG VERSION
ARG BUILD_DATE
ARG COMMIT=unknown
LABEL org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$COMMIT
RUN echo "building ${VERSION:-dev} at ${COMMIT}"

FROM base AS final
ARG VERSION=0.0.0-dev
ENV APP_VERSION=${VERSION}
