ARG ALPINE="alpine:3.19"
FROM $ALPINE
ARG EXTRA_PACKAGES="git openssh-client"
ARG EMPTY=
ARG QUOTED='it''s' PLAIN
RUN apk add --no-cache $EXTRA_PACKAGES
