# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
ARG ALPINE_VERSION=3.19

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine${ALPINE_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/lighthouse ./cmd/lighthouse

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/lighthouse /usr/local/bin/lighthouse
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/lighthouse"]
CMD ["serve", "--addr=:8080"]
