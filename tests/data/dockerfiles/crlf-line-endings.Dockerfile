FROM alpine:3.19
# edited on Windows
RUN apk add --no-cache \
    bash \
    tzdata
RUN <<EOF
echo crlf
EOF
CMD ["bash"]
