FROM alpine
RUN apk add git
COPPY . /src
