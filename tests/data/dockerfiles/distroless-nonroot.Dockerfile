FROM golang:1.22 AS build
WORKDIR /go/src/app
COPY . .
RUN go vet -v
RUN CGO_ENABLED=0 go build -o /go/bin/app

FROM gcr.io/distroless/static-debian12
COPY --from=build --chown=65532:65532 /go/bin/app /
USER 65532:65532
CMD ["/app"]
