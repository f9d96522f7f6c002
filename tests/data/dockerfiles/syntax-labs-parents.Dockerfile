# syntax=docker/dockerfile:1-labs
FROM alpine AS src
WORKDIR /repo
COPY --parents ./services/*/go.mod ./
COPY --exclude=*.md --exclude=docs/ . /repo/

FROM src
RUN --network=none --security=sandbox find /repo -name go.mod
