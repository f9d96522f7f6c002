FROM alpine
RUN apk add --no-cache \
  # editors
  vim \
  nano \
  # network tools
  curl \
  # the last one
  wget
# a comment between instructions
ENV A=1
