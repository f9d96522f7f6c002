FROM alpine:3.19
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc \
    --mount=type=ssh \
    --mount=type=bind,source=.,target=/src,ro \
    --mount=type=tmpfs,target=/tmp \
    ls /src
RUN --network=host wget -q -O- http://localhost:8000/health
RUN --security=insecure mount -t tmpfs none /mnt
