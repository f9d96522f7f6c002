FROM alpine:3.19
RUN apk add --no-cache curl jq
COPY check.sh /usr/local/bin/check
ENTRYPOINT ["/usr/local/bin/check"]
